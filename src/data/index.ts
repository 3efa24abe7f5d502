export { xor, spirals, type Dataset, type SpiralsOptions } from './toy';
