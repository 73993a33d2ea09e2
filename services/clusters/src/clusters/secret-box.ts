/** The SecretBox that seals kubeconfigs at rest (AES-256-GCM with SECRETS_KEY, bound to the cluster's id). */
export const SECRET_BOX = Symbol('SECRET_BOX');
