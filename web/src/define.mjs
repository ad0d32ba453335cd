// define.mjs — importing this module registers <session-rating>.
import { define } from './element.mjs';

define();
