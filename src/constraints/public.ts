/** The constraints, by the names TF.js gives them in `tf.constraints`. */
export { maxNorm, nonNeg, unitNorm, minMaxNorm } from './index';
