import { Logger } from '@nestjs/common';
import { RepeatingJob } from './repeating-job';

describe('RepeatingJob', () => {
  afterEach(() => jest.useRealTimers());

  const logger = () => ({ warn: jest.fn() }) as unknown as Logger & { warn: jest.Mock };

  it('runs every interval, never two runs at once, until stopped', async () => {
    jest.useFakeTimers();
    let runs = 0;
    let finish = () => undefined as void;
    const job = new RepeatingJob('the job', 1000, () => new Promise<void>((done) => { runs++; finish = done; }), logger());
    job.start();
    await jest.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(1);
    // Still running a second later: the next interval waits for it instead of starting another.
    await jest.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(1);
    finish();
    await jest.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(2);
    finish();
    job.stop();
    await jest.advanceTimersByTimeAsync(5000);
    expect(runs).toBe(2);
  });

  it('logs a failed run as a warning and runs again at the next interval', async () => {
    jest.useFakeTimers();
    const log = logger();
    let runs = 0;
    const job = new RepeatingJob('expiry sweep', 1000, async () => {
      runs++;
      throw new Error('database away');
    }, log);
    job.start();
    await jest.advanceTimersByTimeAsync(2000);
    expect(runs).toBe(2);
    expect(log.warn).toHaveBeenCalledWith('expiry sweep failed: database away');
    job.stop();
  });

  it('answers a call made during a run with that run', async () => {
    let runs = 0;
    const job = new RepeatingJob('the job', 60_000, async () => void runs++, logger());
    await Promise.all([job.runNow(), job.runNow()]);
    expect(runs).toBe(1);
    await job.runNow();
    expect(runs).toBe(2);
  });
});
