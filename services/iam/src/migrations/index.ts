import { IamInitial1764000000000 } from './1764000000000-iam-initial';
import { IamRevocation1765100000000 } from './1765100000000-iam-revocation';
import { IamRegistry1765200000000 } from './1765200000000-iam-registry';

/** Applied in order on start; never edit one that has shipped, add a new one. */
export const iamMigrations = [IamInitial1764000000000, IamRevocation1765100000000, IamRegistry1765200000000];
