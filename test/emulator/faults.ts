// Fault switches of the emulator, settable at start (`--fault key=value`, `startCluster({ faults })`) and at run time
// (`cluster.setFaults()` or `POST /emulator/faults` with an admin token). See README.md.

export interface Faults {
  /** Every Nth API request (counting from when the switch was set) is answered 429 with Retry-After. */
  throttleEvery?: number;
  /** The next N API requests are answered 429 (a burst); counts down to 0. */
  throttleBurst?: number;
  /** Retry-After seconds of the 429 replies (default 1). */
  retryAfterSeconds?: number;
  /** Every API request is delayed by this many ms before it is handled. */
  delayMs?: number;
  /** Exec/attach streams are cut (socket destroyed, no status) this many ms after they start (runtime). */
  cutExecAfterMs?: number;
  /** When an exec/attach stream starts, its pod is deleted this many ms later (processes killed, stream ends). */
  deletePodDuringExecMs?: number;
  /** pods/log answers end after this many bytes (a log cut by rotation or a dropped stream). */
  cutLogAfterBytes?: number;
  /** pods/log answers have the character at this offset changed (a log altered on the way). */
  corruptLogAt?: number;
}

export const FAULT_KEYS: Record<string, keyof Faults> = {
  'throttle-every': 'throttleEvery',
  'throttle-burst': 'throttleBurst',
  'retry-after': 'retryAfterSeconds',
  'delay-ms': 'delayMs',
  'cut-exec-after-ms': 'cutExecAfterMs',
  'delete-pod-during-exec-ms': 'deletePodDuringExecMs',
  'cut-log-after-bytes': 'cutLogAfterBytes',
  'corrupt-log-at': 'corruptLogAt',
};

/** Parses CLI `--fault key=value` values (keys above, plus `unreachable-after-ms`/`unreachable-for-ms`). */
export function parseFaultFlag(flag: string, into: Faults & { unreachableAfterMs?: number; unreachableForMs?: number }): void {
  const m = /^([a-z-]+)=(\d+)$/.exec(flag);
  if (!m) throw new Error(`--fault expects key=number, got "${flag}"`);
  const [, k, v] = m;
  if (k === 'unreachable-after-ms') into.unreachableAfterMs = Number(v);
  else if (k === 'unreachable-for-ms') into.unreachableForMs = Number(v);
  else if (FAULT_KEYS[k]) into[FAULT_KEYS[k]] = Number(v);
  else throw new Error(`unknown fault "${k}"; known: ${[...Object.keys(FAULT_KEYS), 'unreachable-after-ms', 'unreachable-for-ms'].join(', ')}`);
}
