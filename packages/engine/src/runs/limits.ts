/** Executions of an async action (or a flow) before it is given up and dead-lettered. */
export const DEFAULT_MAX_ATTEMPTS = 8;

/** The most executions a submission or a flow step may ask for (`retry.maxAttempts`). */
export const MAX_ATTEMPTS_LIMIT = 50;
