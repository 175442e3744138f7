export { splitDialogue, splitThinking, type ChatMessageText, type ReasoningSource, type SplitResponse, type TurnReply } from "./thinking.ts";
export { encodeImage, imageMime, type EncodedImage, type ImageMime, type ImageSource } from "./images.ts";
export { profileHash, requestShape, userMessage, type DialogueTurn, type MarkupRule, type Profile } from "./profile.ts";
export { DEFAULT_PROFILE, DEFAULT_PROFILE_ID, PROFILE_IDS, PROFILES, findProfile, getProfile } from "./profiles/index.ts";
