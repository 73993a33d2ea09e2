import { createPublicKey, type KeyObject } from 'node:crypto';

import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Actions, explainPermission } from '@stagecraft/authz';
import { commaList } from '@stagecraft/config';
import {
  BuildRegistryCredentialRequest,
  IamError,
  IamErrorReason,
  PruneRegistryCredentialRequest,
  RegistryCredentialDto,
  RegistryTokenDto,
  RegistryTokenRequest,
} from '@stagecraft/contracts';
import { parseRegistryScopes, type RegistryAccess, type RegistryTokenKey, signRegistryToken } from '@stagecraft/oci';
import { jwtVerify, SignJWT } from 'jose';
import { In, Repository } from 'typeorm';

import { GrantsRepository } from '../authorization/grants.repository';
import { IamConfig } from '../config';
import { EnterpriseProjectEntity } from '../projects/infra/enterprise-project.entity';
import { TokensService } from '../tokens/tokens.service';
import { grantedActions, type RegistryPrincipal, type RepositoryRecord } from './domain/registry-access';
import { ImageRepositoryEntity } from './infra/image-repository.entity';
import { REGISTRY_TOKEN_KEY } from './registry-token-key.provider';
import { RobotAccountsService } from './robot-accounts.service';

/** The login name a build's credential goes with (its password is the credential). */
export const BUILD_USERNAME = 'stagecraft-build';
const INVALID_CREDENTIALS = 'invalid registry credentials';
const BUILD_CREDENTIAL_TYPE = 'stagecraft-build-credential';
/** The login name a pruning credential goes with. */
export const PRUNE_USERNAME = 'stagecraft-prune';
const PRUNE_CREDENTIAL_TYPE = 'stagecraft-prune-credential';
/** Long enough to delete a pass's manifests of one repository; the builds service asks again after. */
const PRUNE_CREDENTIAL_SECONDS = 300;

/**
 * The embedded registry's token issuer (the distribution token spec): who asks (anonymous, an
 * access key, a robot account, a build's credential), what each scope grants them, and the
 * signed token. Also issues a build's credential, claiming its repository for the build's project.
 */
@Injectable()
export class RegistryTokensService {
  private readonly logger = new Logger('RegistryTokensService');
  private readonly publicKey: KeyObject | null;
  /** REGISTRY_PLATFORM_REPOSITORIES: the base images, PUBLIC and owned by no project. */
  private readonly platformRepositories: ReadonlySet<string>;

  constructor(
    @Inject(REGISTRY_TOKEN_KEY) private readonly key: RegistryTokenKey | null,
    private readonly config: IamConfig,
    private readonly grants: GrantsRepository,
    private readonly robots: RobotAccountsService,
    private readonly tokens: TokensService,
    @InjectRepository(ImageRepositoryEntity) private readonly repositories: Repository<ImageRepositoryEntity>,
    @InjectRepository(EnterpriseProjectEntity) private readonly projects: Repository<EnterpriseProjectEntity>,
  ) {
    this.publicKey = key ? createPublicKey(key.privateKey) : null;
    this.platformRepositories = new Set(commaList(config.REGISTRY_PLATFORM_REPOSITORIES));
  }

  async token(request: RegistryTokenRequest): Promise<RegistryTokenDto> {
    const key = this.requireKey();
    if (request.service !== this.config.REGISTRY_SERVICE)
      throw new IamError(
        IamErrorReason.INVALID_FIELD,
        `this token endpoint issues tokens for the service ${this.config.REGISTRY_SERVICE}`,
        'service',
      );
    const { principal, expiresAt } = await this.principalOf(request);
    const requested = parseRegistryScopes(request.scopes);
    const records = await this.records(requested.map((scope) => scope.name));
    const access: RegistryAccess[] = [];
    for (const scope of requested) {
      const actions = grantedActions(principal, scope, records.get(scope.name) ?? null);
      if (actions.length) access.push({ type: scope.type, name: scope.name, actions });
    }
    const now = new Date();
    const remaining = expiresAt ? Math.floor((expiresAt.getTime() - now.getTime()) / 1000) : Infinity;
    const ttlSeconds = Math.max(1, Math.min(this.config.REGISTRY_TOKEN_TTL_SECONDS, remaining));
    const token = await signRegistryToken(key, {
      issuer: this.config.REGISTRY_TOKEN_ISSUER,
      service: this.config.REGISTRY_SERVICE,
      subject: principal.kind === 'anonymous' ? 'anonymous' : `${principal.kind}:${principal.id}`,
      access,
      ttlSeconds,
      now,
    });
    return { token, expiresIn: ttlSeconds, issuedAt: now.toISOString() };
  }

  /**
   * A build's push credential, valid until its deadline. The first build that pushes a repository
   * claims it for its project; a build of another project is refused (CONFLICT). The repository
   * takes the build's image class: a job's new class applies from its next build.
   */
  async buildCredential(request: BuildRegistryCredentialRequest): Promise<RegistryCredentialDto> {
    this.requireKey(); // before the repository is claimed: no key, no credential
    const project = await this.projects.findOneBy({ id: request.enterpriseProjectId, accountId: request.accountId });
    if (!project) throw new IamError(IamErrorReason.PROJECT_NOT_FOUND, 'enterprise project not found');
    if (this.platformRepositories.has(request.repository))
      throw new IamError(
        IamErrorReason.REPOSITORY_RESERVED,
        `the repository ${request.repository} holds the platform's base images: builds cannot push to it`,
        'archiveImage',
      );
    await this.repositories
      .createQueryBuilder()
      .insert()
      .values({
        name: request.repository,
        accountId: request.accountId,
        enterpriseProjectId: request.enterpriseProjectId,
        imageClass: request.imageClass,
        createdByJobId: request.jobId,
        lastJobId: request.jobId,
      })
      .orIgnore()
      .execute();
    // Only the owner's builds change the class; the WHERE makes the check and the change one statement.
    const updated = await this.repositories
      .createQueryBuilder()
      .update()
      .set({ imageClass: request.imageClass, lastJobId: request.jobId })
      .where('name = :name AND account_id = :account AND enterprise_project_id = :project', {
        name: request.repository,
        account: request.accountId,
        project: request.enterpriseProjectId,
      })
      .execute();
    if (!updated.affected)
      throw new IamError(
        IamErrorReason.REPOSITORY_OF_OTHER_PROJECT,
        `the repository ${request.repository} belongs to another enterprise project: choose another archive address`,
        'archiveImage',
      );
    const expiresAt = new Date(request.expiresAt);
    const password = await this.signCredential(
      BUILD_CREDENTIAL_TYPE,
      request.buildId,
      { acc: request.accountId, prj: request.enterpriseProjectId, repo: request.repository },
      expiresAt,
    );
    return { username: BUILD_USERNAME, password, expiresAt: expiresAt.toISOString() };
  }

  /**
   * A credential that deletes manifests of one repository the project owns, for five minutes:
   * the builds service deleting the images of pruned builds. A repository the project does not
   * own (another project's, the platform's, or none yet) gets none.
   */
  async pruneCredential(request: PruneRegistryCredentialRequest): Promise<RegistryCredentialDto> {
    this.requireKey();
    const owned = await this.repositories.existsBy({
      name: request.repository,
      accountId: request.accountId,
      enterpriseProjectId: request.enterpriseProjectId,
    });
    if (!owned || this.platformRepositories.has(request.repository))
      throw new IamError(
        IamErrorReason.IMAGE_REPOSITORY_NOT_FOUND,
        `the enterprise project owns no repository ${request.repository}`,
      );
    const expiresAt = new Date(Date.now() + PRUNE_CREDENTIAL_SECONDS * 1000);
    const password = await this.signCredential(
      PRUNE_CREDENTIAL_TYPE,
      'builds',
      { acc: request.accountId, prj: request.enterpriseProjectId, repo: request.repository },
      expiresAt,
    );
    return { username: PRUNE_USERNAME, password, expiresAt: expiresAt.toISOString() };
  }

  private signCredential(type: string, subject: string, claims: Record<string, string>, expiresAt: Date): Promise<string> {
    const key = this.requireKey();
    return new SignJWT(claims)
      .setProtectedHeader({ alg: key.algorithm, typ: type })
      .setIssuer(this.config.REGISTRY_TOKEN_ISSUER)
      .setAudience(type)
      .setSubject(subject)
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(key.privateKey);
  }

  private async principalOf(request: RegistryTokenRequest): Promise<{ principal: RegistryPrincipal; expiresAt?: Date }> {
    const { username, password } = request;
    if (!username && !password) return { principal: { kind: 'anonymous' } };
    if (!username || !password) throw new IamError(IamErrorReason.INVALID_CREDENTIALS, INVALID_CREDENTIALS);
    if (username === BUILD_USERNAME) return this.credentialPrincipal('build', BUILD_CREDENTIAL_TYPE, password);
    if (username === PRUNE_USERNAME) return this.credentialPrincipal('prune', PRUNE_CREDENTIAL_TYPE, password);
    const robot = await this.robots.authenticate(username, password);
    if (robot)
      return {
        principal: { kind: 'robot', id: robot.id, accountId: robot.accountId, enterpriseProjectId: robot.enterpriseProjectId },
      };
    return { principal: await this.userPrincipal(username, password) };
  }

  /** A credential this service signed (a build's or a pruning one), as the principal it names. */
  private async credentialPrincipal(
    kind: 'build' | 'prune',
    type: string,
    credential: string,
  ): Promise<{ principal: RegistryPrincipal; expiresAt: Date }> {
    try {
      const { payload } = await jwtVerify(credential, this.publicKey!, {
        issuer: this.config.REGISTRY_TOKEN_ISSUER,
        audience: type,
        typ: type,
        clockTolerance: 0,
      });
      const { acc, prj, repo, sub, exp } = payload as Record<string, unknown>;
      if (typeof acc !== 'string' || typeof prj !== 'string' || typeof repo !== 'string' || typeof sub !== 'string')
        throw new Error('claims missing');
      return {
        principal: { kind, id: sub, accountId: acc, enterpriseProjectId: prj, repository: repo },
        expiresAt: new Date(Number(exp) * 1000),
      };
    } catch {
      // Expired, forged or not ours: the same answer, and the credential is not echoed.
      throw new IamError(IamErrorReason.INVALID_CREDENTIALS, INVALID_CREDENTIALS);
    }
  }

  private async userPrincipal(accessKey: string, secretKey: string): Promise<RegistryPrincipal> {
    const { user } = await this.tokens.authenticate({ accessKey, secretKey });
    const grants = await this.grants.grantsFor(user.id);
    return {
      kind: 'user',
      id: user.id,
      accountId: user.accountId,
      mayPull: (project) => explainPermission(grants, user.isAdmin, Actions.image.pull, project).allowed,
    };
  }

  /** The repositories named, from the table and the platform's list. */
  private async records(names: string[]): Promise<Map<string, RepositoryRecord>> {
    const records = new Map<string, RepositoryRecord>();
    const platform = this.platformRepositories;
    for (const name of names)
      if (platform.has(name)) records.set(name, { name, accountId: null, enterpriseProjectId: null, imageClass: 'PUBLIC' });
    const stored = names.filter((name) => !platform.has(name));
    if (stored.length)
      for (const row of await this.repositories.findBy({ name: In(stored) }))
        records.set(row.name, {
          name: row.name,
          accountId: row.accountId,
          enterpriseProjectId: row.enterpriseProjectId,
          imageClass: row.imageClass,
        });
    return records;
  }

  private requireKey(): RegistryTokenKey {
    if (!this.key) {
      this.logger.warn('a registry token was asked for, and no REGISTRY_TOKEN_KEY is configured');
      throw new IamError(
        IamErrorReason.REGISTRY_TOKENS_DISABLED,
        'this Stagecraft issues no registry tokens (REGISTRY_TOKEN_KEY is not configured)',
      );
    }
    return this.key;
  }
}
