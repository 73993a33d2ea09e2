import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CreateAccessTokenRequest, EmptyRequest, IamSubjects, RefreshSessionRequest } from '@stagecraft/contracts';
import { PublicRpc } from '@stagecraft/messaging';

import { TokensService } from './tokens.service';

@Controller()
export class TokensNatsController {
  constructor(private readonly tokens: TokensService) {}

  @PublicRpc()
  @MessagePattern(IamSubjects.createAccessToken)
  createAccessToken(@Payload() request: CreateAccessTokenRequest) {
    return this.tokens.createAccessToken(request);
  }

  @PublicRpc()
  @MessagePattern(IamSubjects.createSession)
  createSession(@Payload() request: CreateAccessTokenRequest) {
    return this.tokens.createSession(request);
  }

  @PublicRpc()
  @MessagePattern(IamSubjects.refreshSession)
  refreshSession(@Payload() request: RefreshSessionRequest) {
    return this.tokens.refreshSession(request);
  }

  @PublicRpc()
  @MessagePattern(IamSubjects.getSigningKeys)
  signingKeys(@Payload() _request: EmptyRequest) {
    return this.tokens.keys();
  }
}
