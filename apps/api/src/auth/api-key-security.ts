import { applyDecorators } from '@nestjs/common';
import { ApiSecurity, type DocumentBuilder } from '@nestjs/swagger';

/** The three ways to present the same API key, as OpenAPI security schemes by name. */
const SCHEMES = {
  bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'Vigil API key (vgl_…)', description: 'A Vigil API key' },
  'X-API-Key': { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'The same key, for senders that cannot set Authorization' },
  basic: { type: 'http', scheme: 'basic', description: 'The same key as the password (any user name), for browsers and basic_auth senders' },
} as const;

/** An operation's security requirement: any one of the schemes will do. */
export const API_KEY_SECURITY = Object.keys(SCHEMES).map((name) => ({ [name]: [] }));

export function withApiKeySchemes(builder: DocumentBuilder): DocumentBuilder {
  for (const [name, scheme] of Object.entries(SCHEMES)) builder.addSecurity(name, scheme);
  return builder;
}

/** Marks a controller or route, in the OpenAPI document, as taking an API key in any of the three ways. */
export function ApiKeyAuth() {
  return applyDecorators(...Object.keys(SCHEMES).map((name) => ApiSecurity(name)));
}
