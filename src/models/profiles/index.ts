// Every shipped model profile, validated when this module loads: a malformed record fails at once,
// naming the profile and the field. Adding a family is adding a record here.
import { parseProfile, type Profile } from "../profile.ts";
import { KIMI_VL_INSTRUCT, LLAMA_VISION, QWEN_VL } from "./bases.ts";
import { PREFILLED_THINK_PROFILE, THINK_TAGS_PROFILE } from "./generic.ts";
import { GLM_4_1V_THINKING, INTERNVL3_5_THINKING, MIMO_VL, QWEN3_VL_THINKING, R1_VL, SKYWORK_R1V, VISION_R1, VLM_R1 } from "./recent.ts";
import { KIMI_VL_THINKING, LLAMAV_O1, LLAVA_COT, MM_EUREKA, MULBERRY, OPENVLTHINKER, QVQ, R1_ONEVISION, VL_RETHINKER } from "./study.ts";

export const PROFILES: readonly Profile[] = [
  THINK_TAGS_PROFILE,
  PREFILLED_THINK_PROFILE,
  R1_ONEVISION,
  MM_EUREKA,
  OPENVLTHINKER,
  VL_RETHINKER,
  LLAVA_COT,
  LLAMAV_O1,
  MULBERRY,
  KIMI_VL_THINKING,
  QVQ,
  QWEN_VL,
  LLAMA_VISION,
  KIMI_VL_INSTRUCT,
  GLM_4_1V_THINKING,
  MIMO_VL,
  INTERNVL3_5_THINKING,
  VISION_R1,
  VLM_R1,
  R1_VL,
  QWEN3_VL_THINKING,
  SKYWORK_R1V,
].map(parseProfile);

/** The profile of a model that names none: thinksafe's behaviour before profiles. */
export const DEFAULT_PROFILE_ID = "think-tags";

export const PROFILE_IDS = PROFILES.map((p) => p.id) as [string, ...string[]];

const byId = new Map(PROFILES.map((p) => [p.id, p]));
if (byId.size !== PROFILES.length) throw new Error("two model profiles share an id");

/** The profile with this id; undefined for an unknown one. */
export function findProfile(id: string): Profile | undefined {
  return byId.get(id);
}

export function getProfile(id: string): Profile {
  const profile = byId.get(id);
  if (!profile) throw new Error(`unknown model profile "${id}" (known: ${PROFILE_IDS.join(", ")})`);
  return profile;
}

export const DEFAULT_PROFILE: Profile = getProfile(DEFAULT_PROFILE_ID);
