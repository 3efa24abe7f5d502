/** The regularizers, by the names TF.js gives them in `tf.regularizers`. */
export { l1, l2, l1l2 } from './index';
