import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { API_KEY_ROLES } from '../../../../libs/persistence';
import { ApiKeyAuth } from '../auth/api-key-security';
import { actorOf, CurrentPrincipal, type Principal } from '../auth/principal';
import { Roles } from '../auth/roles.decorator';
import { openApiSchema } from '../http/openapi-schema';
import { parseWith } from '../http/parse-with';
import { storable } from '../http/storable';
import { TakesNoQuery } from '../http/takes-no-query';
import { UuidPipe } from '../http/uuid.pipe';
import { apiKeyListSchema, apiKeyViewSchema, createdApiKeySchema } from './api-key.view';
import { ApiKeysService } from './api-keys.service';

const createApiKeySchema = z.strictObject({
  name: storable(z.string().trim().min(1).max(100)),
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
  @ApiOperation({ summary: 'Revoke an API key; revoking a revoked key changes nothing' })
  @ApiOkResponse({ description: 'The key, revoked', schema: openApiSchema(apiKeyViewSchema) })
  @ApiNotFoundResponse({ description: 'No such API key' })
  revoke(@Param('id', UuidPipe) id: string, @CurrentPrincipal() principal: Principal) {
    return this.apiKeys.revoke(id, actorOf(principal));
  }
}
