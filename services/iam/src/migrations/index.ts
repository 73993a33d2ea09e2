import { IamInitial1764000000000 } from './1764000000000-iam-initial';

/** Applied in order on start; never edit one that has shipped, add a new one. */
export const iamMigrations = [IamInitial1764000000000];
