/** Facts about the 468-point MediaPipe face mesh topology that the fit relies on. */
export const MEDIAPIPE_LANDMARK_COUNT = 468;

/** The face outline, clockwise from the forehead top (10) over the subject's left cheek to the chin (152) and back. */
export const MEDIAPIPE_FACE_OVAL = [
  10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176, 149, 150, 136,
  172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
];

/**
 * Upper/lower eyelid pairs at the outer and inner thirds of each lid (subject's right eye, then
 * left eye), the points of the 68-landmark scheme's eyelid pairs 37/41, 38/40, 43/47, 44/46.
 */
export const MEDIAPIPE_EYELID_PAIRS = [160, 144, 158, 153, 385, 380, 387, 373];

/** Upper/lower inner-lip pairs (subject's right, middle, left): the 68-landmark scheme's 61/67, 62/66, 63/65. */
export const MEDIAPIPE_INNER_LIP_PAIRS = [82, 87, 13, 14, 312, 317];
