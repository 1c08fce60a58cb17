import { Global, Module, type DynamicModule } from '@nestjs/common';
import { VigilConfig } from './vigil-config';

/** Makes the already-parsed configuration injectable as `VigilConfig` everywhere. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: VigilConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: VigilConfig, useValue: config }], exports: [VigilConfig] };
  }
}
