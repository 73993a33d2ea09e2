export { SecretBox } from './secret-box';
export { secretBoxFrom, type SecretsKeySource } from './secret-box.factory';
