/**
 * meshgate.v1.Events: Read pages through the log (event-reads.ts, as `GET /v1/events`), Watch
 * follows it through an EventTail (as the SSE stream): the events after `after`, then each new
 * one, with the client's flow control holding the tail back. Both need `read`. A Watch ends with
 * UNAVAILABLE when the log cannot be read or the api stops; the client resumes with the last
 * sequence it saw.
 */
import * as grpc from '@grpc/grpc-js';
import { eventToMessage, GrpcError, statusFor, unary, type EventMessage, type ReadEventsRequestMessage, type ReadEventsResponseMessage, type WatchEventsRequestMessage } from '@meshgate/grpc-api';
import { checkedInteger, DEFAULT_EVENTS_LIMIT, readEvents } from '../event-reads.js';
import { EventTail } from '../event-tail.js';
import type { GrpcContext } from './context.js';

type WatchCall = grpc.ServerWritableStream<WatchEventsRequestMessage, EventMessage>;

/** Resolves once the call's buffer has room again, or the call has ended. */
function drainedOrEnded(call: WatchCall): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done);
      call.off('cancelled', done);
      call.off('close', done);
      resolve();
    };
    call.once('drain', done);
    call.once('cancelled', done);
    call.once('close', done);
  });
}

export interface EventsService {
  implementation: grpc.UntypedServiceImplementation;
  /** Ends every open Watch (UNAVAILABLE), e.g. when the api stops. */
  closeWatches(): void;
}

export function eventsService(context: GrpcContext): EventsService {
  const { handlerOptions, admit } = context;
  const watches = new Set<(error: GrpcError) => void>();

  function watch(call: WatchCall): void {
    let after: number;
    try {
      admit(call.metadata, 'read');
      after = checkedInteger(call.request.after, 'after', 'field', 0);
    } catch (error) {
      call.emit('error', statusFor(error, handlerOptions));
      return;
    }
    let ended = false;
    const end = (error?: GrpcError) => {
      if (ended) return;
      ended = true;
      tail.close();
      watches.delete(end);
      if (error && !call.cancelled) call.emit('error', statusFor(error, handlerOptions));
    };
    const tail = new EventTail({
      store: context.store,
      follower: context.follower,
      logger: context.logger,
      after,
      sink: {
        write: (event) => call.write(eventToMessage(event)),
        drained: () => drainedOrEnded(call),
        failed: () => end(new GrpcError(grpc.status.UNAVAILABLE, 'MG_ERR_STORE_UNAVAILABLE', 'the event log could not be read; resume with the last sequence received')),
      },
    });
    watches.add(end);
    call.on('cancelled', () => end());
    call.on('close', () => end());
    tail.start();
  }

  return {
    implementation: {
      Read: unary(handlerOptions, async (call: grpc.ServerUnaryCall<ReadEventsRequestMessage, ReadEventsResponseMessage>): Promise<ReadEventsResponseMessage> => {
        admit(call.metadata, 'read');
        const { after, limit } = call.request;
        const { events, head } = await readEvents(context.store, { after, limit: limit === 0 ? DEFAULT_EVENTS_LIMIT : limit, noun: 'field' });
        return { events: events.map(eventToMessage), head };
      }),
      Watch: watch,
    },
    closeWatches() {
      const closing = new GrpcError(grpc.status.UNAVAILABLE, 'MG_ERR_STORE_UNAVAILABLE', 'the api is stopping; resume with the last sequence received');
      for (const end of [...watches]) end(closing);
    },
  };
}
