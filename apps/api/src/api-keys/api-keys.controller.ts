import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { API_KEY_ROLES } from '../../../../libs/persistence';
import { actorOf, CurrentPrincipal, type Principal } from '../auth/principal';
import { Roles } from '../auth/roles.decorator';
import { parseWith } from '../http/parse-with';
import { storable } from '../http/storable';
import { UuidPipe } from '../http/uuid.pipe';
import { ApiKeysService } from './api-keys.service';

const createApiKeySchema = z.strictObject({
  name: storable(z.string().trim().min(1).max(100)),
  role: z.enum(API_KEY_ROLES),
});

@ApiTags('api-keys')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/v1/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key; the secret is shown in this response only' })
  @ApiBody({ schema: z.toJSONSchema(createApiKeySchema) as object })
  create(@Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    const { name, role } = parseWith(createApiKeySchema, body);
    return this.apiKeys.create(name, role, actorOf(principal));
  }

  @Get()
  @ApiOperation({ summary: 'List API keys (never their secrets)' })
  async list() {
    return { items: await this.apiKeys.list() };
  }

  @Delete(':id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke an API key' })
  revoke(@Param('id', UuidPipe) id: string, @CurrentPrincipal() principal: Principal) {
    return this.apiKeys.revoke(id, actorOf(principal));
  }
}
