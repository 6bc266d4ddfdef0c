/**
 * Who may send what to /graphql, decided from the headers before a byte of the body is read (issue 10, item 2).
 * The key is looked up first (the request's one authentication statement, handed on to its HubContext). Then:
 *
 * - Without a valid key, a body may be at most ANONYMOUS_BODY_LIMIT (introspection fits): a larger
 *   Content-Length is refused at once, a chunked body as soon as it passes the limit — 401 UNAUTHENTICATED with
 *   WWW-Authenticate, the connection closed, the rest never read. Headers and body must have arrived within
 *   ANONYMOUS_REQUEST_TIMEOUT_MS of the moment the connection was ready for the request; later, 408 and closed.
 * - With a valid key, a body over BODY_LIMIT is refused unread (413); a body over 4 MB (or of unknown length)
 *   needs one of two large-body slots, held until the answer is sent (parsing, coercing and writing such a
 *   body takes hundreds of MB). A request waiting for a slot has not had its body read (the socket is not read
 *   while nobody consumes the request, and `Expect: 100-continue` is answered only once admitted); after
 *   LARGE_BODY_WAIT_MS it gets 503 with Retry-After. Of the two read, one is processed at a time (the other
 *   waits with its body parsed), so their long synchronous steps do not add up for the requests between them.
 */
import type { IncomingMessage } from 'node:http';
import express, { type RequestHandler, type Response } from 'express';
import { bearerKey } from '../access/keys';
import { HubContext, type Caller, type HubRuntime } from '../graphql/context';
import { HubError, ErrorCode } from '../errors';
import { collectGarbageSoon } from '../memory';
import { refuse, refuseAnonymousBody, refuseBodyLimit, type AnonymousRequest } from './body-errors';
import { requestReadySince } from './server';
import { Slots } from './slots';

/** Bodies over this need a large-body slot, and their answer is followed by a full garbage collection (src/memory.ts). */
export const LARGE_REQUEST_BYTES = 4 * 1024 * 1024;
/** Large bodies read and processed at a time. */
export const LARGE_BODY_SLOTS = 2;

/** The middleware in front of GraphQL over HTTP: it admits the request, reads its JSON body and sets `res.locals.caller`. */
export function admission(runtime: HubRuntime): RequestHandler {
  const { config } = runtime;
  const { anonymousRequestTimeoutMs, largeBodyWaitMs, requestTimeoutMs } = config.admission;
  const anonymousLimit = Math.min(config.admission.anonymousBodyLimit, config.bodyLimit);
  const keyedJson = express.json({ limit: config.bodyLimit });
  const anonymousJson = express.json({ limit: anonymousLimit });
  const slots = new Slots(LARGE_BODY_SLOTS);
  const processing = new Slots(1);

  return async (req, res, next) => {
    const key = bearerKey(req.headers.authorization);
    let caller: Caller;
    try {
      caller = await HubContext.authenticate(runtime, key);
    } catch (error) {
      // The database failed: answered as a 500 (body-errors.ts) without reading the body.
      res.setHeader('Connection', 'close');
      return next(error);
    }
    res.locals.caller = caller;
    const length = bodyLength(req);

    if (caller.found instanceof HubError) {
      const anonymous: AnonymousRequest = { refusal: caller.found, keyGiven: key !== undefined, limit: anonymousLimit };
      res.locals.anonymous = anonymous;
      // No body: the parser only sets req.body, which Apollo's middleware requires.
      if (length === 0) return anonymousJson(req, res, next);
      const refuseTooLarge = () => refuseAnonymousBody(res, anonymous.refusal, anonymousLimit, anonymous.keyGiven);
      if (length !== null && length > anonymousLimit) return refuseTooLarge();
      cutWhenLate(req, res, requestReadySince(req) + anonymousRequestTimeoutMs, anonymousRequestTimeoutMs);
      continueIfExpected(req, res);
      anonymousJson(req, res, next);
      // After the parser's own listener (attached synchronously above), so both see every chunk.
      if (length === null) refuseOver(req, res, anonymousLimit, refuseTooLarge);
      return;
    }

    if (length === 0) return keyedJson(req, res, next);
    if (length !== null && length > config.bodyLimit) return refuseBodyLimit(res, config.bodyLimit, true);
    const large = length === null || length > LARGE_REQUEST_BYTES;
    if (large) {
      const release = await slots.take(largeBodyWaitMs, res);
      if (!release) return busy(res, 'LARGE_BODY_WAIT_MS', largeBodyWaitMs);
      untilClosed(res, release);
      // A large request (a whole list published) leaves hundreds of MB of garbage: give it back once answered.
      res.once('finish', collectGarbageSoon);
    }
    continueIfExpected(req, res);
    // A body that could not be read (aborted, malformed, too large) has nothing to process: its refusal goes on at once.
    keyedJson(req, res, large ? (error?: unknown) => (error || res.destroyed ? next(error) : void processAlone(res, () => next())) : next);
    if (length === null) refuseOver(req, res, config.bodyLimit, () => refuseBodyLimit(res, config.bodyLimit, true));
  };

  /** No large-body slot within LARGE_BODY_WAIT_MS (the body unread), or no turn to be processed: 503 with Retry-After. */
  function busy(res: Response, limit: 'LARGE_BODY_WAIT_MS' | 'HTTP_REQUEST_TIMEOUT_MS', waitedMs: number): void {
    if (res.destroyed || res.headersSent) return;
    const seconds = Math.max(1, Math.ceil(largeBodyWaitMs / 1000));
    refuse(
      res,
      503,
      `${LARGE_BODY_SLOTS} requests with bodies over 4 MB are being processed and this one waited ${limit} (${waitedMs} ms): retry after ${seconds} s`,
      { code: ErrorCode.LIMIT_EXCEEDED, limit, value: waitedMs },
      { close: true, headers: { 'Retry-After': String(seconds) } },
    );
  }

  /**
   * A large body, read and parsed, is processed (coerced, checked, written) once no other is, and only after the
   * event loop has polled for I/O since the parse: the long synchronous steps of two large requests never run one
   * after the other, so a /healthz that arrives during one is answered before the next.
   */
  async function processAlone(res: Response, run: () => void): Promise<void> {
    const release = await processing.take(requestTimeoutMs, res);
    if (!release) return busy(res, 'HTTP_REQUEST_TIMEOUT_MS', requestTimeoutMs);
    untilClosed(res, release);
    afterPendingIo(run);
  }
}

/** The caller found by {@link admission} (always set on /graphql). */
export function admittedCaller(res: Response): Caller | undefined {
  return res.locals.caller as Caller | undefined;
}

/** The body's declared length: 0 when there is none, null when it is chunked (unknown until read). */
function bodyLength(req: IncomingMessage): number | null {
  if (req.headers['transfer-encoding'] !== undefined) return null;
  const declared = req.headers['content-length'];
  return declared === undefined ? 0 : Number(declared);
}

/** Calls `release` when the answer is sent or the connection lost (at once when that has happened already). */
function untilClosed(res: Response, release: () => void): void {
  if (res.closed || res.destroyed) release();
  else res.once('close', release);
}

/** Runs `then` once the event loop has polled for I/O again (a check phase after the next poll phase). */
function afterPendingIo(then: () => void): void {
  setImmediate(() => setImmediate(then));
}

function continueIfExpected(req: IncomingMessage, res: Response): void {
  if (/100-continue/i.test(req.headers.expect ?? '')) res.writeContinue();
}

/** Counts the body as it arrives and calls `refuseNow` once it passes `limit` (the parser would read all of it first). */
function refuseOver(req: IncomingMessage, res: Response, limit: number, refuseNow: () => void): void {
  let received = 0;
  const count = (chunk: Buffer) => {
    received += chunk.length;
    if (received <= limit) return;
    req.off('data', count);
    if (!res.headersSent) refuseNow();
  };
  req.on('data', count);
}

/** Answers 408 and closes the connection unless the body has arrived by `deadline` (ms since the epoch). */
function cutWhenLate(req: IncomingMessage, res: Response, deadline: number, timeoutMs: number): void {
  const timer = setTimeout(
    () => {
      if (res.headersSent) return void req.socket.destroy();
      refuse(
        res,
        408,
        `without a valid key, headers and body must arrive within ANONYMOUS_REQUEST_TIMEOUT_MS (${timeoutMs} ms)`,
        { code: ErrorCode.LIMIT_EXCEEDED, limit: 'ANONYMOUS_REQUEST_TIMEOUT_MS', value: timeoutMs },
        { close: true },
      );
    },
    Math.max(0, deadline - Date.now()),
  );
  const done = () => clearTimeout(timer);
  req.once('end', done);
  res.once('close', done);
}
