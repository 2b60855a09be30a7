// The public surface of server/xen: xl domain config files (lossless parse,
// print, edit), vif specs, network-attach arguments, MAC tools, validation.
// Pure code: no I/O. User input never throws; results carry diagnostics.

export {
  DIAGNOSTIC_CODES,
  hasErrors,
  type TDiagnostic,
  type TDiagnosticCode,
  type TSeverity,
} from "./diagnostics";

export {
  detectGuestType,
  encodeXlConfig,
  getXlSetting,
  getXlString,
  listVifElements,
  listVifs,
  parseXlConfig,
  parseXlConfigBytes,
  printXlConfig,
  type TConfigVif,
  type TConfigVifList,
  type TGuestType,
  type TParseConfigOptions,
  type TParseConfigResult,
  type TTextEncoding,
  type TXlConfig,
  type TXlEffectiveSetting,
  type TXlEffectiveValue,
  type TXlList,
  type TXlNumber,
  type TXlSetting,
  type TXlString,
  type TXlValue,
} from "./config";

export {
  insertVifEntry,
  quoteXlString,
  removeVifEntry,
  replaceVifEntry,
  setVifList,
  type TEditResult,
  type TVifInput,
} from "./edit";

export {
  applyVifTokens,
  checkVifEntry,
  createVifFromEntries,
  formatLibxlNic,
  formatVifSpec,
  isValidIpOrCidr,
  listVifEntries,
  parseVifSpec,
  parseXlUlong,
  tokenizeVifSpec,
  VIF_COLO_KEYS,
  VIF_FLAG_KEYS,
  VIF_VALUE_KEYS,
  ZVifSchema,
  type TFormatVifResult,
  type TParsedVif,
  type TParseVifOptions,
  type TVif,
  type TVifContext,
  type TVifDefaults,
  type TVifEffective,
  type TVifEntry,
  type TVifToken,
} from "./vif-spec";

export { planVifAddition, type TVifAdditionPlan } from "./add-vif";

export { checkVifList, DEVID_ATTACH_LIMIT, OLD_XEN_VIF_LIMIT } from "./vif-checks";

export { formatRate, formatRateError, parseVifRate, type TVifRate, type TVifRateError, type TVifRateResult } from "./rate";

export {
  formatNetworkAttachArgv,
  parseNetworkAttachArgv,
  type TNetworkAttachArgv,
  type TNetworkAttachParse,
} from "./network-attach";

export {
  classifyMac,
  computeMacCollisionProbability,
  DEFAULT_IP_MAC_PREFIX,
  deriveMacFromIpv4,
  formatMac,
  generateXenMac,
  isLocallyAdministeredMac,
  isMulticastMac,
  isXenOuiMac,
  normalizeMac,
  parseMac,
  parseMacLikeXl,
  XEN_OUI,
  type TMacBytes,
  type TMacClass,
  type TRandomBytes,
  type TXlMacParse,
} from "./mac";

export {
  collectKnownMacs,
  DEFAULT_BRIDGE,
  readXlConfDefaults,
  validateXlConfigs,
  ZHostFactsSchema,
  type TConfigFileInput,
  type THostFacts,
  type TValidatedFile,
  type TValidationResult,
  type TXlConfDefaults,
} from "./validate";

export {
  parseSxp,
  parseXendNetworkConfig,
  parseXmVifLine,
  parseXmVifSpec,
  XM_VIF_KEYS,
  type TSxp,
  type TXendNetworkConfig,
  type TXmVif,
  type TXmVifLine,
} from "./legacy";
