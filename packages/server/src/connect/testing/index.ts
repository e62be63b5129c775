/** Test support: a real OAuth server to connect to, a scripted browser, and the refresh storm. */
export { startOAuthPeer } from './oauth-peer.js';
export type { GrantRecord, OAuthPeer, OAuthPeerOptions, TokenEndpointMode } from './oauth-peer.js';
export { TestBrowser, runConnectFlow } from './browser.js';
export type { BrowserResponse, ConnectFlow, ConnectFlowOptions } from './browser.js';
export { runRefreshStorm } from './refresh-storm.js';
export type { LatencySummary, RefreshStormOptions, RefreshStormResult } from './refresh-storm.js';
