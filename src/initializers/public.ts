/** The initializers, by the names TF.js gives them in `tf.initializers`. */
export {
  glorotUniform,
  glorotNormal,
  heNormal,
  heUniform,
  lecunNormal,
  lecunUniform,
  randomNormalInit as randomNormal,
  randomUniformInit as randomUniform,
  orthogonal,
  constant,
  zeros,
  ones,
} from './index';
