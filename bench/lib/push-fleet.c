/*
 * push-fleet: holds many push streams (Server-Sent Events, GET /v1/decisions/stream with
 * Accept: text/event-stream) open from one single-threaded process with epoll, and counts the
 * decisions that go by ("value": in the bytes). The bench's Node.js version of the same tool took
 * about a core to read 10,000 streams at 20 events a second on the machine it measured; this one
 * leaves that core to the servers. bench/lib/push-load.ts compiles and drives it.
 *
 * Once every stream is open it reads every ready stream, then pauses PUSH_FLEET_READ_PAUSE_MS
 * (100 by default; 0 reads each event as it comes): each read then takes the events of about a
 * tenth of a second at once. At 10,000 streams and 20 changes a second, reading every event as it
 * came took 0.61-0.66 of the machine's two cores from the servers it measures; with the pause,
 * 0.43 (0.35 on a later machine, 0.19-0.22 there once push-load.ts niced it; bench/NOTES.md). The
 * counts are the same: "stats" reads what every stream holds first. Latency is measured
 * elsewhere (the bench's sampled clients), never from this tool's reads.
 *
 * Usage: push-fleet <host> <port> <keys file, one API key a line> [parallel connects]
 * Prints {"ready":true,...} once every stream got its first event or closed. Then reads commands
 * on stdin, one a line: "stats" prints {"open":..,"closed":..,"values":..}; "close" (or EOF)
 * closes every stream, prints the stats, and exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

/* The longest pattern ("value":) less one byte, kept from each read for the next: a match split
 * between two reads is found at their joint, and none fits wholly in the tail to be counted twice. */
#define TAIL 7

/* Events taken from epoll at a time. */
#define MAX_EVENTS 256

struct conn {
  int fd;
  int opened;  /* got its first event */
  int closed;
  char *request;
  int request_len;
  char tail[TAIL];
  int tail_len;
};

static const char VALUE[] = "\"value\":";
static const char EVENT_ID[] = "id: ";
static long long values = 0;
static int open_count = 0, closed_count = 0, n = 0, started = 0, parallel = 200, epfd;
static struct conn *conns;
static struct addrinfo *addr;
static int read_pause_us = 100 * 1000;

static void print_stats(int ready) {
  printf("{%s\"open\":%d,\"closed\":%d,\"values\":%lld}\n", ready ? "\"ready\":true," : "", open_count, closed_count, values);
  fflush(stdout);
}

static void close_conn(struct conn *c) {
  if (c->closed) return;
  c->closed = 1;
  closed_count++;
  epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
}

static void start_next(void) {
  while (started < n && started - open_count - closed_count < parallel) {
    struct conn *c = &conns[started++];
    c->fd = socket(addr->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c->fd < 0 || (connect(c->fd, addr->ai_addr, addr->ai_addrlen) < 0 && errno != EINPROGRESS)) {
      if (c->fd >= 0) close(c->fd);
      c->closed = 1;
      closed_count++;
      continue;
    }
    struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
    epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
  }
}

/* Counts `pat` in buf[0..len). */
static int count(const char *buf, int len, const char *pat, int patlen) {
  int k = 0;
  const char *at = buf, *end = buf + len;
  while ((at = memmem(at, end - at, pat, patlen)) != NULL) {
    k++;
    at += patlen;
  }
  return k;
}

static void on_writable(struct conn *c) {
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
  /* The request is a few hundred bytes: a new connection's buffer takes it whole. */
  if (err || write(c->fd, c->request, c->request_len) != c->request_len) return close_conn(c);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
  epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void on_readable(struct conn *c) {
  static char buf[TAIL + 65536];
  for (;;) {
    memcpy(buf, c->tail, c->tail_len);
    ssize_t got = read(c->fd, buf + c->tail_len, sizeof buf - TAIL);
    if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) return close_conn(c);
    if (got < 0) return;
    int len = c->tail_len + (int)got;
    values += count(buf, len, VALUE, sizeof VALUE - 1);
    if (!c->opened && memmem(buf, len, EVENT_ID, sizeof EVENT_ID - 1)) {
      c->opened = 1;
      open_count++;
    }
    c->tail_len = len < TAIL ? len : TAIL;
    memcpy(c->tail, buf + len - c->tail_len, c->tail_len);
    /* A short read took all there was: epoll (level-triggered) reports the socket again when more
     * comes, so the read that would only answer EAGAIN is saved. */
    if (got < (ssize_t)(sizeof buf - TAIL)) return;
  }
}

/* Reads whatever every open stream holds, so the counts include all that arrived. */
static void read_all(void) {
  for (int i = 0; i < started; i++)
    if (!conns[i].closed && conns[i].opened) on_readable(&conns[i]);
}

/* Runs the commands that arrived on stdin; 0 once told to close (or at EOF). */
static int on_commands(void) {
  char buf[256];
  ssize_t got = read(STDIN_FILENO, buf, sizeof buf - 1);
  if (got <= 0) return 0;
  buf[got] = 0;
  for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
    if (strcmp(line, "stats") == 0) {
      read_all();
      print_stats(0);
    }
    if (strcmp(line, "close") == 0) return 0;
  }
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: push-fleet <host> <port> <keys file> [parallel]\n");
    return 2;
  }
  if (argc > 4) parallel = atoi(argv[4]);
  const char *pause = getenv("PUSH_FLEET_READ_PAUSE_MS");
  if (pause) read_pause_us = atoi(pause) * 1000;
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM};
  if (getaddrinfo(argv[1], argv[2], &hints, &addr) != 0) {
    fprintf(stderr, "push-fleet: cannot resolve %s\n", argv[1]);
    return 2;
  }
  FILE *f = fopen(argv[3], "r");
  if (!f) {
    perror("push-fleet: keys file");
    return 2;
  }
  char key[512];
  int cap = 1024;
  conns = calloc(cap, sizeof *conns);
  while (fgets(key, sizeof key, f)) {
    key[strcspn(key, "\r\n")] = 0;
    if (!*key) continue;
    if (n == cap) conns = realloc(conns, (cap *= 2) * sizeof *conns);
    struct conn *c = &conns[n++];
    memset(c, 0, sizeof *c);
    c->request_len = asprintf(&c->request, "GET /v1/decisions/stream HTTP/1.1\r\nHost: %s\r\nX-Api-Key: %s\r\nAccept: text/event-stream\r\n\r\n", argv[1], key);
  }
  fclose(f);
  epfd = epoll_create1(0);
  struct epoll_event in = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(epfd, EPOLL_CTL_ADD, STDIN_FILENO, &in);
  start_next();
  int ready = 0;
  struct epoll_event events[MAX_EVENTS];
  for (;;) {
    if (!ready && open_count + closed_count == n) {
      ready = 1;
      print_stats(1);
    }
    int k = epoll_wait(epfd, events, MAX_EVENTS, -1);
    for (int i = 0; i < k; i++) {
      struct conn *c = events[i].data.ptr;
      if (!c) {
        if (!on_commands()) goto done;
        continue;
      }
      if (c->closed) continue;
      if (events[i].events & EPOLLOUT) on_writable(c);
      else on_readable(c);
    }
    start_next();
    /* The pause comes once every ready stream was read: a full batch means more are waiting. */
    if (ready && read_pause_us && k < MAX_EVENTS) usleep(read_pause_us);
  }
done:
  for (int i = 0; i < started; i++) close_conn(&conns[i]);
  print_stats(0);
  return 0;
}
