import type { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { VigilConfig } from '../../../libs/config';
import { AcceptAlerts } from './alerts/accept-alerts.use-case';
import { alertIntakeOpenApi, ALERTS_PATH, registerAlertIntakeRoute } from './alerts/alert-intake.route';
import { ApiKeysService } from './api-keys/api-keys.service';
import { withApiKeySchemes } from './auth/api-key-security';
import { DOCS_PATH, requireKeyBeforeBody } from './auth/key-before-body';
import { AppModule } from './app.module';
import { recordRoutes } from './http/allowed-methods';
import { answerClientError, answerFrameworkError } from './http/client-errors';
import { continueAfterKeyCheck } from './http/continue-after-key';
import { redirectDocsPages } from './http/docs-pages';
import { drainOnClose } from './http/drain-on-close';
import { useJsonBodies } from './http/json-body';
import { withProblemResponses } from './http/problem-responses';
import { registerRequestSpans } from './http/request-spans';
import { IntakeMetrics } from './metrics/intake.metrics';
import { MetricsRegistry } from './metrics/metrics.registry';
import { observeRequestDurations } from './metrics/request-metrics';
import { parseQueryString } from './http/strict-query-string';

/** Builds the HTTP app (not yet listening): Fastify with the body limit, problem+json errors, metrics and OpenAPI. */
export async function createApp(config: VigilConfig, startLogger?: LoggerService): Promise<NestFastifyApplication> {
  // drainOnClose answers requests that arrive while closing, as problem+json.
  const adapter = new FastifyAdapter({
    bodyLimit: config.intake.maxBodyBytes,
    skipMiddie: true,
    return503OnClosing: false,
    // A sender that stalls mid-request is answered 408 rather than holding its connection for good.
    requestTimeout: config.requestTimeoutMs,
    // Node looks for such requests every 30 s by default; checked more often, the limit holds closely.
    // A body that stalls is timed by headersTimeout (60 s by default, not lowered by requestTimeout).
    http: { connectionsCheckingInterval: Math.min(config.requestTimeoutMs, 5_000), headersTimeout: config.requestTimeoutMs },
    clientErrorHandler: answerClientError,
    frameworkErrors: answerFrameworkError,
    // Ids of any length reach validation (a 400 naming the field), not the router's own 414: Node
    // refuses a request line past its header limit (16 KiB, 431) before the router sees it.
    routerOptions: { maxParamLength: 65_536, querystringParser: parseQueryString },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(config), adapter, {
    // Until the app's own logger is up: the same JSON lines (libs/telemetry startLogger).
    ...(startLogger ? { logger: startLogger } : {}),
    bufferLogs: true,
    bodyParser: false,
    // A failed start is thrown to main, which says why in one line, rather than exiting from inside Nest.
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  const fastify = app.getHttpAdapter().getInstance();
  drainOnClose(fastify);
  useJsonBodies(fastify);
  recordRoutes(fastify);
  redirectDocsPages(fastify, DOCS_PATH);
  registerRequestSpans(fastify);
  observeRequestDurations(fastify, app.get(MetricsRegistry));
  const metrics = app.get(IntakeMetrics);
  registerAlertIntakeRoute(fastify, { acceptAlerts: app.get(AcceptAlerts), metrics, config });
  requireKeyBeforeBody(fastify, app.get(ApiKeysService));
  continueAfterKeyCheck(fastify);

  const openApi = withApiKeySchemes(
    new DocumentBuilder()
      .setTitle('Vigil')
      .setDescription('Workflow-orchestrated incident response: alert intake, incidents, audit.')
      .setVersion('0.1.0'),
  ).build();
  const document = () => {
    const described = SwaggerModule.createDocument(app, openApi);
    described.paths = { [ALERTS_PATH]: alertIntakeOpenApi(config.intake.maxBatch), ...described.paths };
    return withProblemResponses(described);
  };
  SwaggerModule.setup(DOCS_PATH.slice(1), app, document, { jsonDocumentUrl: `${DOCS_PATH.slice(1)}/json`, yamlDocumentUrl: `${DOCS_PATH.slice(1)}/yaml` });
  return app;
}
