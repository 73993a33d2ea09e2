import { SetMetadata } from '@nestjs/common';

export const PUBLIC_RPC = 'stagecraft:public-rpc';

/** Marks a message handler that answers without a token (login, public keys, health). */
export const PublicRpc = () => SetMetadata(PUBLIC_RPC, true);
