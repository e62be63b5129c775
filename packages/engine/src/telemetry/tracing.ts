import { AsyncLocalStorage } from 'node:async_hooks';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
  defaultTextMapGetter,
} from '@opentelemetry/api';
import { ExportResultCode, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';
import { sanitizeUrl } from '../outbound/sanitize-url.js';
import type { LogEntry } from '../request-log.js';

export interface TracingOptions {
  /** Where spans are sent: the full OTLP/HTTP traces URL (…/v1/traces), JSON encoding. */
  endpoint: string;
  /** `service.name` of every span. Defaults to `joinery`. */
  serviceName?: string;
  /** How long spans wait to be sent in a batch. Defaults to 5 s; `shutdown()` sends the rest. */
  exportDelayMs?: number;
}

/** The W3C trace context headers of an incoming request (lower-case names), when it sent them. */
export interface TraceHeaders {
  traceparent?: string | undefined;
  tracestate?: string | undefined;
}

const propagator = new W3CTraceContextPropagator();
const EXPORT_TIMEOUT_MS = 10_000;

/** A SERVER span for one API request, named once its route is known. */
export interface RequestSpan {
  /**
   * Ends the span. `route` is the route pattern (`/v1/connections/:id`), never the concrete path;
   * null when no route matched.
   */
  end(route: string | null, status: number): void;
}

/** OTLP exporter failures reach the log (at most one line per batch), rather than vanishing. */
class LoggingExporter implements SpanExporter {
  constructor(
    readonly inner: SpanExporter,
    readonly logger: Logger,
  ) {}

  export(spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    this.inner.export(spans, (result) => {
      if (result.code !== ExportResultCode.SUCCESS)
        this.logger.warn(
          { err: result.error, spans: spans.length },
          'tracing: the OTLP endpoint did not accept a batch of spans; they are dropped',
        );
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/**
 * OpenTelemetry traces for one engine: its own tracer provider (not the process-global one), so
 * several engines in a process do not mix their spans. Only created when an OTLP endpoint is
 * configured. Span attributes carry no headers, no bodies, and URLs only as sanitised for the
 * request log.
 */
export class Tracing {
  readonly #provider: BasicTracerProvider;
  readonly #tracer: Tracer;
  readonly #logger: Logger;
  /** The span work runs under (an API request, a run step): this engine's own context, not the global one. */
  readonly #active = new AsyncLocalStorage<Context>();

  constructor(options: TracingOptions, logger: Logger) {
    this.#logger = logger;
    // A collector that does not answer costs each batch (and close()) at most 10 s.
    const exporter = new LoggingExporter(
      new OTLPTraceExporter({ url: options.endpoint, timeoutMillis: EXPORT_TIMEOUT_MS }),
      logger,
    );
    this.#provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': options.serviceName ?? 'joinery' }),
      spanProcessors: [
        new BatchSpanProcessor(exporter, {
          scheduledDelayMillis: options.exportDelayMs ?? 5_000,
          exportTimeoutMillis: EXPORT_TIMEOUT_MS,
        }),
      ],
    });
    this.#tracer = this.#provider.getTracer('joinery');
  }

  /** One CLIENT span for an outbound exchange, after the fact, from its request log entry. */
  recordExchange(entry: LogEntry): void {
    const end = entry.at.getTime();
    const attributes: Attributes = {
      'http.request.method': entry.method,
      'joinery.integration': entry.integrationKey,
      'joinery.source': entry.source,
      'joinery.attempt': entry.attempt,
    };
    // Already sanitised by the pipeline; sanitised again so no future caller can leak a secret here.
    if (URL.canParse(entry.url)) attributes['url.full'] = sanitizeUrl(new URL(entry.url));
    if (entry.status !== null) attributes['http.response.status_code'] = entry.status;
    if (entry.connectionId !== null) attributes['joinery.connection_id'] = entry.connectionId;
    if (entry.action !== null) attributes['joinery.action'] = entry.action;
    if (entry.decision !== null) attributes['joinery.decision'] = entry.decision;
    if (entry.errorCode !== null) attributes['error.type'] = entry.errorCode;
    attributes['joinery.request_id'] = entry.requestId;
    const span = this.#tracer.startSpan(
      `${entry.method} ${entry.integrationKey}`,
      { kind: SpanKind.CLIENT, startTime: end - entry.durationMs, attributes },
      this.#active.getStore() ?? ROOT_CONTEXT,
    );
    if (entry.errorCode !== null)
      span.setStatus({ code: SpanStatusCode.ERROR, message: entry.errorCode });
    span.end(end);
  }

  /**
   * Runs `work` under a SERVER span for one API request; exchanges made meanwhile are its children.
   * A valid `traceparent` from the caller makes the span part of the caller's trace.
   */
  serverSpan<T>(
    method: string,
    headers: TraceHeaders,
    work: (span: RequestSpan) => Promise<T>,
  ): Promise<T> {
    const parent =
      headers.traceparent === undefined
        ? ROOT_CONTEXT
        : propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    const span = this.#tracer.startSpan(
      method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': method } },
      parent,
    );
    let ended = false;
    const handle: RequestSpan = {
      end(route, status) {
        if (ended) return;
        ended = true;
        if (route !== null) {
          span.updateName(`${method} ${route}`);
          span.setAttribute('http.route', route);
        }
        span.setAttribute('http.response.status_code', status);
        if (status >= 500) {
          span.setAttribute('error.type', String(status));
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
        span.end();
      },
    };
    return this.#run(span, () => work(handle));
  }

  /** Runs `work` under an INTERNAL span (a run step); a rejection marks the span failed. */
  async span<T>(name: string, attributes: Attributes, work: () => Promise<T>): Promise<T> {
    const span = this.#tracer.startSpan(
      name,
      { kind: SpanKind.INTERNAL, attributes },
      this.#active.getStore() ?? ROOT_CONTEXT,
    );
    try {
      return await this.#run(span, work);
    } catch (error) {
      const code =
        typeof error === 'object' && error !== null && 'code' in error
          ? String(error.code)
          : 'internal';
      span.setAttribute('error.type', code);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  }

  #run<T>(span: Span, work: () => Promise<T>): Promise<T> {
    const parent = this.#active.getStore() ?? ROOT_CONTEXT;
    return this.#active.run(trace.setSpan(parent, span), work);
  }

  /** Sends every span still waiting, then stops. A collector refusing them is logged, not thrown: closing goes on. */
  async shutdown(): Promise<void> {
    try {
      await this.#provider.shutdown();
    } catch (error) {
      this.#logger.warn(
        { err: error },
        'tracing: the spans still waiting at shutdown could not be sent; they are dropped',
      );
    }
  }
}
