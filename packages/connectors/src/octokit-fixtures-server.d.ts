// @octokit/fixtures-server ships no types; this is the part Joinery's replay tests use.
declare module '@octokit/fixtures-server' {
  import type { Router } from 'express';
  interface RecordedRequest {
    scope: string;
    method: string;
    path: string;
    body?: unknown;
    status: number;
    response: unknown;
    reqheaders: Record<string, string | number>;
    headers: Record<string, string>;
  }
  interface FixturesServerOptions {
    fixturesUrl?: string;
    logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
    ttl?: number;
    fixtures?: Record<string, RecordedRequest[]>;
  }
  export default function fixturesServer(options?: FixturesServerOptions): Router;
}
