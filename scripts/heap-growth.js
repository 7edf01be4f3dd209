// A LAPI's garbage is mostly short-lived request data (alert bodies, stream buffers) next to a
// long-lived decision index. V8 lets the old generation grow up to about twice what survived the
// last full collection before collecting again, so after loading 100,000 decisions an embedded
// LAPI held ~90 MB of dead objects for the 20 s until its idle-time collector ran (349 MB resident
// right after the load, 252 MB later). Growing by a fifth instead keeps that slack small (249 MB
// right after, 229 MB later) for a few more full collections under load (BENCHMARKS.md, footprint).
// Not a NODE_OPTIONS flag (Node refuses it there), so it is set here, before anything is allocated.
require('node:v8').setFlagsFromString('--heap-growing-percent=20');
