import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';

const tracer = trace.getTracer('vigil-api');

/**
 * A span for each handled request, in whose context the handler runs, so everything the
 * handler starts (PostgreSQL, the Temporal client, the outbox row) belongs to the request's trace.
 * Under the HTTP auto-instrumentation it is a child of the server span; otherwise it continues
 * the caller's `traceparent`.
 */
@Injectable()
export class RequestSpanInterceptor implements NestInterceptor {
  intercept(executionContext: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = executionContext.switchToHttp().getRequest<FastifyRequest>();
    const active = context.active();
    const parent = trace.getSpan(active) ? active : propagation.extract(ROOT_CONTEXT, request.headers);
    const route = request.routeOptions.url ?? request.url;
    const span = tracer.startSpan(
      `${request.method} ${route}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'http.route': route } },
      parent,
    );
    const spanContext = trace.setSpan(parent, span);
    return new Observable((subscriber) =>
      context.with(spanContext, () =>
        next.handle().subscribe({
          next: (value) => subscriber.next(value),
          error: (error: unknown) => {
            span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
            span.end();
            subscriber.error(error);
          },
          complete: () => {
            span.end();
            subscriber.complete();
          },
        }),
      ),
    );
  }
}
