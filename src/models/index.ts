export { splitThinking, type ChatMessageText, type ReasoningSource, type SplitResponse } from "./thinking.ts";
export { encodeImage, imageMime, type EncodedImage, type ImageMime, type ImageSource } from "./images.ts";
