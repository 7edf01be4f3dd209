import { decompressedLimit } from './http-app';

const MiB = 1024 * 1024;

describe('decompressedLimit', () => {
  it('lets any body expand to 1 MiB, within the route limit', () => {
    expect(decompressedLimit(100, 32 * MiB)).toBe(MiB);
    expect(decompressedLimit(100, 64 * 1024)).toBe(64 * 1024);
  });

  it('caps a larger body at 100 times its size, and at the route limit', () => {
    expect(decompressedLimit(32 * 1024, 32 * MiB)).toBe(3200 * 1024);
    expect(decompressedLimit(MiB, 32 * MiB)).toBe(32 * MiB);
  });
});
