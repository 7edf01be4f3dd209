import { CapiSim } from '@lapi/capi-sim';

// A test tool, not a LAPI service: its few settings come straight from the environment.
const port = Number(process.env.CAPI_SIM_PORT ?? 8787);
const sim = new CapiSim({
  sharing: process.env.CAPI_SIM_SHARING === 'true',
  blocklistSize: Number(process.env.CAPI_SIM_BLOCKLIST_SIZE ?? 1000),
  linkSize: Number(process.env.CAPI_SIM_LINK_SIZE ?? 100),
  tokenTtlMs: Number(process.env.CAPI_SIM_TOKEN_TTL_MS ?? 3600_000),
});
sim.start(port).then(
  (url) => console.log(`CAPI simulator on ${url} (POST /sim/clock {"now": ms} sets its time; GET /sim/state)`),
  (e: Error) => {
    console.error(e.message);
    process.exit(1);
  },
);
process.on('SIGTERM', () => {
  sim.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
