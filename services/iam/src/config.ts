import { DEFAULT_REGISTRY_SERVICE, DEFAULT_REGISTRY_TOKEN_ISSUER } from '@stagecraft/oci';
import { ServiceConfig } from '@stagecraft/service';
import { IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';

/** The iam service's environment. Each property is named as the variable it reads. */
export class IamConfig extends ServiceConfig {
  override DATABASE_SCHEMA = 'iam';
  /** A PEM private key (Ed25519, RSA or P-256), or a file holding one. */
  @IsOptional() @IsString() IAM_SIGNING_KEY?: string;
  @IsOptional() @IsString() IAM_SIGNING_KEY_FILE?: string;
  /** Access tokens are short: a refresh token (createSession) gets new ones. */
  @IsInt() @Min(60) @Max(7 * 24 * 3600) IAM_TOKEN_TTL_SECONDS = 900;
  /** How long a login (createSession) can be refreshed, from the login on: rotation does not extend it. */
  @IsInt() @Min(300) @Max(90 * 24 * 3600) IAM_REFRESH_TOKEN_TTL_SECONDS = 7 * 24 * 3600;
  /** When set and no account exists yet: create one with an admin, and write its access key here. */
  @IsOptional() @IsString() IAM_BOOTSTRAP_CREDENTIALS_FILE?: string;
  /**
   * The embedded registry's token issuer (docs/registry.md): an EC P-256 (or RSA) private key and
   * its X.509 certificate, which the registry trusts (`auth.token.rootcertbundle`). Without them
   * iam issues no registry tokens.
   */
  @IsOptional() @IsString() REGISTRY_TOKEN_KEY?: string;
  @IsOptional() @IsString() REGISTRY_TOKEN_KEY_FILE?: string;
  @IsOptional() @IsString() REGISTRY_TOKEN_CERTIFICATE?: string;
  @IsOptional() @IsString() REGISTRY_TOKEN_CERTIFICATE_FILE?: string;
  /** The registry's `auth.token.service` and `auth.token.issuer`. */
  @IsString() @MinLength(1) REGISTRY_SERVICE = DEFAULT_REGISTRY_SERVICE;
  @IsString() @MinLength(1) REGISTRY_TOKEN_ISSUER = DEFAULT_REGISTRY_TOKEN_ISSUER;
  /** Lifetime of a registry token (a build's ends with its credential's, if sooner). */
  @IsInt() @Min(30) @Max(3600) REGISTRY_TOKEN_TTL_SECONDS = 300;
  /** `host:port` of the registry: in image references and robot accounts' dockerconfigjson. */
  @IsOptional() @IsString() REGISTRY_HOST?: string;
  /** Repositories that hold the platform's base images, comma-separated: PUBLIC, and no build may push them. */
  @IsString() REGISTRY_PLATFORM_REPOSITORIES = '';
}
