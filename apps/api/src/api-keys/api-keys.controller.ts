import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { API_KEY_ROLES } from '../../../../libs/persistence';
import { ApiKeyAuth } from '../auth/api-key-security';
import { actorOf, CurrentPrincipal, type Principal } from '../auth/principal';
import { Roles } from '../auth/roles.decorator';
import { openApiSchema } from '../http/openapi-schema';
import { parseWith } from '../http/parse-with';
import { TakesNoQuery } from '../http/takes-no-query';
import { UuidPipe } from '../http/uuid.pipe';
import { apiKeyListSchema, apiKeyViewSchema, createdApiKeySchema } from './api-key.view';
import { ApiKeysService } from './api-keys.service';

// A name is its key's actor in the audit log (`apikey:<name>`): plain ASCII, so no name can pass for another
// (no control characters, line breaks, right-to-left overrides or look-alike letters).
const API_KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

const createApiKeySchema = z.strictObject({
  name: z.string().regex(API_KEY_NAME, '1-100 ASCII letters, digits, ".", "_" or "-", starting with a letter or digit'),
  role: z.enum(API_KEY_ROLES),
});

@ApiTags('api-keys')
@ApiKeyAuth()
@Roles('admin')
@TakesNoQuery()
@Controller('api/v1/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key; the secret is shown in this response only' })
  @ApiBody({ schema: openApiSchema(createApiKeySchema, 'input') })
  @ApiCreatedResponse({ schema: openApiSchema(createdApiKeySchema) })
  @ApiConflictResponse({ description: 'A key with that name exists, or existed: names are never reused' })
  create(@Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    const { name, role } = parseWith(createApiKeySchema, body);
    return this.apiKeys.create(name, role, actorOf(principal));
  }

  @Get()
  @ApiOperation({ summary: 'List API keys (never their secrets)' })
  @ApiOkResponse({ schema: openApiSchema(apiKeyListSchema) })
  async list() {
    return { items: await this.apiKeys.list() };
  }

  @Delete(':id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke an API key; revoking a revoked key changes nothing; the last admin key that works is kept' })
  @ApiOkResponse({ description: 'The key, revoked', schema: openApiSchema(apiKeyViewSchema) })
  @ApiNotFoundResponse({ description: 'No such API key' })
  @ApiConflictResponse({ description: 'The last admin key that works: create another admin key first' })
  revoke(@Param('id', UuidPipe) id: string, @CurrentPrincipal() principal: Principal) {
    return this.apiKeys.revoke(id, actorOf(principal));
  }
}
