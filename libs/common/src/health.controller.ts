import { Controller, Get } from '@nestjs/common';
import { Public } from './auth-kinds';

/** /health, as upstream: anonymous, 200 while the process serves. */
@Controller('health')
export class HealthController {
  @Public()
  @Get()
  health() {
    return { status: 'up' };
  }
}
