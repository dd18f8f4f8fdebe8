export { loadSigningKey, type SigningKey } from './signing.ts';
