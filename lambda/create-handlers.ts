import type { App } from './app/types.js';
import { buildContainer, type Container, type ContainerOptions } from './container.js';
import { managementEndpoint } from './delivery/management-endpoint.js';
import { createLogger } from './log.js';
import { answerFailedMessage } from './runtime/answer.js';
import { internalErrorAnswer, markingErrors, type ErrorAnswer } from './runtime/error-answer.js';
import type { RouteOutcome, WebSocketEvent, WebSocketResult } from './runtime/events.js';
import { appObjectsFor } from './runtime/app-objects.js';
import { createIdentityCache } from './runtime/identity-cache.js';
import { GoneLedger } from './runtime/gone-ledger.js';
import { endReportedGone } from './runtime/peer-lifecycle.js';
import { onConnect } from './runtime/on-connect.js';
import { onDisconnect } from './runtime/on-disconnect.js';
import { onMessage } from './runtime/on-message.js';
import type { RuntimeServices } from './runtime/ports.js';
import { RateLimiter } from './runtime/rate-limit.js';
import { RATE_LIMITED_OUTCOMES } from './runtime/rate-limit-gate.js';
import { answerBudgetMs, DeadlineExceededError, within, withDeadline, workBudgetMs } from './runtime/deadline.js';
import { answerKey, refusingLateAnswers, requestIdOf, type AnsweredByDeadline } from './runtime/deadline-answers.js';
import { tickAt } from './keep-alive/buckets.js';
import { sweep, type SweepReport } from './keep-alive/sweep.js';

/** How long a request failed by its deadline waits for the abandoned work to undo itself before the 503 goes out. */
const SETTLE_BEFORE_ANSWER_MS = 250;

/** Configuration and clients: read and built once, at the first invocation (container.ts). */
export type HandlerOptions = ContainerOptions;

export type WebSocketHandler = (event: WebSocketEvent, context?: unknown) => Promise<WebSocketResult>;

/**
 * What the schedule sends the keep-alive sweep: EventBridge's scheduled
 * event (only `time` is read). The local stack adds its own Management API
 * endpoint; on AWS it comes from MANAGEMENT_API_ENDPOINT.
 */
export interface SweepEvent {
  'detail-type'?: string;
  time?: string;
  managementApiEndpoint?: string;
}

export type SweepHandler = (event: SweepEvent, context?: unknown) => Promise<SweepOutcome>;
export type SweepOutcome = (SweepReport & { outcome: 'swept' }) | { outcome: 'disabled' };

export interface Handlers {
  connect: WebSocketHandler;
  disconnect: WebSocketHandler;
  message: WebSocketHandler;
  /** The keep-alive sweep, run by a schedule (every minute on AWS): lambda/keep-alive/sweep.ts. */
  sweep: SweepHandler;
  /**
   * All of the above in one: dispatches on the event (a route's routeKey, or
   * a scheduled event), so one function with one cache serves every route.
   */
  handler: (event: WebSocketEvent | SweepEvent, context?: unknown) => Promise<WebSocketResult | SweepOutcome>;
}

/**
 * The three Lambda handlers for an app: `$connect`, `$disconnect` and
 * `$default`. Each builds its services from the event and environment,
 * runs the AWS-free runtime, and logs one structured line.
 */
export function createHandlers(app: App, options: HandlerOptions = {}): Handlers {
  const identities = createIdentityCache();
  const limiter = new RateLimiter();
  let container: Container | undefined;
  // Kept once built; a configuration error fails this invocation and is read again at the next.
  const warm = () => (container ??= buildContainer(options));

  /** One invocation's view: the container's parts, its own Gone ledger, and its sender's late-answer guard. */
  function servicesFor(
    warmed: Container,
    endpoint: () => string,
    answered: () => AnsweredByDeadline | undefined,
    abandoned: () => boolean = () => false,
    answersPosted = new Set<string>(),
  ): RuntimeServices {
    let sender: RuntimeServices['sender'] | undefined;
    let objects: RuntimeServices['objects'] | undefined;
    const services: RuntimeServices = {
      app,
      store: warmed.store,
      // Built on first use: a message the rate limit refuses never posts.
      get sender() {
        return (sender ??= refusingLateAnswers(directSender(warmed, endpoint), answered, answersPosted));
      },
      log: warmed.log,
      identities,
      fanOutConcurrency: warmed.fanOutConcurrency,
      now: warmed.now,
      gone: new GoneLedger(),
      replacementBackoff: warmed.replacementBackoff,
      abandoned,
      get objects() {
        return (objects ??= appObjectsFor(services));
      },
    };
    return services;
  }

  /** The invocation's sender without the late-answer guard: what the deadline's own 503 goes through. */
  const directSender = (warmed: Container, endpoint: () => string) => markingErrors(warmed.senderFor(endpoint()));

  function route(
    name: string,
    run: (services: RuntimeServices, event: WebSocketEvent, container: Container) => Promise<RouteOutcome>,
    failure: (answer: ErrorAnswer) => WebSocketResult,
  ): WebSocketHandler {
    return async (event, context) => {
      const started = Date.now();
      const { connectionId } = event.requestContext;
      let services: RuntimeServices | undefined;
      let answeredByDeadline: AnsweredByDeadline | undefined;
      let running: { work: Promise<unknown>; direct: () => RuntimeServices['sender'] } | undefined;
      let deadlineHit = false;
      const answersPosted = new Set<string>();
      try {
        const warmed = warm();
        const { config } = warmed;
        const endpoint = () => managementEndpoint(event.requestContext, config.managementApiEndpoint);
        const live = (services = servicesFor(warmed, endpoint, () => answeredByDeadline, () => deadlineHit, answersPosted));
        // A browned-out dependency is answered 503 by the deadline, not left to the platform's timeout.
        // Connections found Gone are ended once the route's own work is done (gone-ledger.ts).
        // endReportedGone logs its own failures and never throws, so it cannot mask the route's outcome.
        const work = run(live, event, warmed).finally(() => endReportedGone(live));
        running = { work, direct: () => directSender(warmed, endpoint) };
        const { result, ...fields } = await withDeadline(work, workBudgetMs(context, config.invocationDeadlineMs), ({ error }) =>
          live.log.warn(`${name} finished after its deadline`, { route: event.requestContext.routeKey, connectionId, outcome: error ? 'failed' : 'done', error, durationMs: Date.now() - started }),
        );
        // A flood's messages are summed up by the limiter's own warnings instead.
        const level = RATE_LIMITED_OUTCOMES.has(fields.outcome) ? 'debug' : 'info';
        services.log[level](name, { route: event.requestContext.routeKey, connectionId, ...fields, durationMs: Date.now() - started });
        return result ?? { statusCode: 200 };
      } catch (error) {
        // Whatever reaches here escaped the runtime's own handling (app
        // errors in a request are answered inside it): internal, by rule.
        if (error instanceof DeadlineExceededError) deadlineHit = true;
        const answer = internalErrorAnswer(error);
        const log = services?.log ?? options.logger ?? createLogger('error');
        const fields = { route: event.requestContext.routeKey, connectionId, outcome: 'failed', errorId: answer.errorId, error };
        log.error(name, { ...fields, durationMs: Date.now() - started });
        const requestId = name === 'message' && !event.isBase64Encoded ? requestIdOf(event.body) : undefined;
        if (requestId !== undefined && answersPosted.has(answerKey(connectionId, requestId))) {
          // The work answered before the deadline (the post may still be on its way): a 503 on top
          // of it would tell the client the opposite, and a retry would meet what the answer did.
          log.warn('the deadline passed after the request was answered: no second answer', { connectionId, requestId, errorId: answer.errorId });
        } else if (services && requestId !== undefined) {
          let budgetMs = answerBudgetMs(context);
          let answering = services;
          if (error instanceof DeadlineExceededError && running) {
            // The work's own answer is refused from now on, so it undoes what it did (a join leaves the
            // roster). A short wait lets work that is only just late do so before the client hears 503 and
            // retries, and before this invocation ends: on Lambda, work left behind is frozen with the
            // sandbox until its next invocation, if any. Work stuck on a dead dependency is not waited for.
            answeredByDeadline = { connectionId, requestId };
            const settleMs = Math.min(budgetMs / 2, SETTLE_BEFORE_ANSWER_MS);
            const settling = Date.now();
            await within(running.work, settleMs);
            budgetMs -= Date.now() - settling;
            answering = { ...services, sender: running.direct() };
          }
          // Bounded too: the Management API may be what is failing, and the handler must return before the platform's timeout.
          const answered = await within(answerFailedMessage(answering, connectionId, event.body, answer), budgetMs);
          if (!answered) log.warn('gave up answering a failed request', { connectionId, errorId: answer.errorId });
        }
        return failure(answer);
      }
    };
  }

  /** Throws on failure, so that Lambda's Errors metric and the alarms see a failed run. */
  const sweepHandler: SweepHandler = async (event, context) => {
    const started = Date.now();
    const warmed = warm();
    const { config, keepAlive: settings, log } = warmed;
    if (!settings.enabled) return { outcome: 'disabled' };
    const now = event.time ? Date.parse(event.time) : Date.now();
    const tick = tickAt(Number.isFinite(now) ? now : Date.now(), settings.tickMs);
    const endpoint = () => {
      const configured = config.managementApiEndpoint ?? event.managementApiEndpoint;
      if (!configured) throw new Error('the sweep needs MANAGEMENT_API_ENDPOINT (set by the CDK construct)');
      return managementEndpoint({}, configured);
    };
    const services = servicesFor(warmed, endpoint, () => undefined);
    try {
      const report = await withDeadline(sweep(services, settings, tick, services.now()), workBudgetMs(context, config.invocationDeadlineMs), ({ error }) =>
        log.warn('sweep finished after its deadline', { route: 'sweep', outcome: error ? 'failed' : 'done', error, durationMs: Date.now() - started }),
      );
      // A run that met no connection is routine: its line (and metrics) still go out at debug.
      log[report.visited > 0 ? 'info' : 'debug']('sweep', { route: 'sweep', outcome: 'swept', ...report, durationMs: Date.now() - started });
      return { outcome: 'swept', ...report };
    } catch (error) {
      log.error('sweep', { route: 'sweep', outcome: 'failed', tick, error, durationMs: Date.now() - started });
      throw error;
    }
  };

  const routes = {
    sweep: sweepHandler,
    // The handshake is refused with the code (500, or 503 to try again) and the id to quote.
    connect: route('connect', onConnect, ({ code, reason }) => ({ statusCode: code, body: reason })),
    disconnect: route('disconnect', onDisconnect, () => ({ statusCode: 200 })),
    // A thrown $default would make API Gateway send its own error frame to the client.
    message: route('message', (services, event, { config }) => onMessage(services, event, { limiter, settings: config.rateLimit }), () => ({
      statusCode: 200,
    })),
  };
  const byRouteKey: Record<string, WebSocketHandler> = { $connect: routes.connect, $disconnect: routes.disconnect, $default: routes.message };
  return {
    ...routes,
    handler: (event, context) => {
      const routeKey = (event as Partial<WebSocketEvent>).requestContext?.routeKey;
      if (routeKey === undefined) {
        if ((event as SweepEvent)['detail-type'] === 'Scheduled Event') return routes.sweep(event as SweepEvent, context);
        return Promise.reject(new Error('not an API Gateway WebSocket event nor a scheduled event'));
      }
      // Every other route key (a custom route) is a message, as $default would get it.
      return (byRouteKey[routeKey] ?? routes.message)(event as WebSocketEvent, context);
    },
  };
}
