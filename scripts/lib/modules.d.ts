// Types of the ESM helpers (.mjs) that TypeScript code loads.
declare module '*/postgres-process.mjs' {
  export function startPostgresProcess(opts: { dataDir: string; port: number; logFile?: string; onLog?: (line: string) => void }): Promise<{
    url: string;
    pid: number;
    stop(): Promise<void>;
  }>;
}
declare module '*/temporal.mjs' {
  export function startDevServer(opts: {
    port: number;
    uiPort?: number;
    httpPort?: number;
    metricsPort?: number;
    dbFile?: string;
    logFile?: string;
    namespace?: string;
  }): Promise<{ address: string; pid: number; stop(): Promise<void>; kill(): Promise<void> }>;
}
declare module '*/ports.mjs' {
  export function freePort(): Promise<number>;
}
declare module '*/tools.mjs' {
  export const temporalWheels: Record<'cli' | 'testServer', { pkg: string; version: string; binary: string; env: string }>;
  export function temporalTestServerPath(): string;
  export function temporalCliPath(): string;
  export const schemathesisPin: { pkg: string; version: string; env: string };
  export function schemathesisPath(): string;
}
declare module '*/lib/processes.mjs' {
  export function alive(pid: number): boolean;
}
declare module '*/node-flags.cjs' {
  export function nodeFlags(entry: string): string[];
}
