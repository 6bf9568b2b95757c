/** Facts about the ICT-FaceKit Light topology, from the upstream README (0-based, end exclusive). */

export const ICT_VERTEX_COUNT = 26719;
export const ICT_IDENTITY_COUNT = 100;

/** Vertex ranges [start, end). */
export const ICT_VERTEX_REGIONS: Record<string, [number, number]> = {
  face: [0, 9409],
  narrowFace: [0, 6706],
  headAndNeck: [9409, 11248],
  mouthSocket: [11248, 13294],
  eyeSocketLeft: [13294, 13678],
  eyeSocketRight: [13678, 14062],
  gumsAndTongue: [14062, 17039],
  teeth: [17039, 21451],
  eyeballLeft: [21451, 23021],
  eyeballRight: [23021, 24591],
  irisLeft: [22221, 23021],
  irisRight: [23791, 24591],
  lacrimalFluid: [24591, 24999],
  eyeBlend: [24999, 25047],
  eyeOcclusion: [25047, 25351],
  eyelashes: [25351, 26719],
};

/** Polygon ranges [start, end) over the upstream polygons. */
export const ICT_POLYGON_REGIONS: Record<string, [number, number]> = {
  face: [0, 9230],
  narrowFace: [0, 6560],
  headAndNeck: [9230, 11144],
  mouthSocket: [11144, 13226],
  eyeSocketLeft: [13226, 13630],
  eyeSocketRight: [13630, 14034],
  gumsAndTongue: [14034, 17006],
  teeth: [17006, 21496],
  eyeballLeft: [21496, 23094],
  eyeballRight: [23094, 24692],
  lacrimalFluid: [24692, 25018],
  eyeBlend: [25018, 25048],
  eyeOcclusion: [25048, 25304],
  eyelashes: [25304, 26384],
};

export const ICT_LANDMARKS_68 = [
  1225, 1888, 1052, 367, 1719, 1722, 2199, 1447, 966, 3661, 4390, 3927, 3924, 2608, 3272, 4088, 3443, 268, 493, 1914,
  2044, 1401, 3615, 4240, 4114, 2734, 2509, 978, 4527, 4942, 4857, 1140, 2075, 1147, 4269, 3360, 1507, 1542, 1537,
  1528, 1518, 1511, 3742, 3751, 3756, 3721, 3725, 3732, 5708, 5695, 2081, 0, 4275, 6200, 6213, 6346, 6461, 5518, 5957,
  5841, 5702, 5711, 5533, 6216, 6207, 6470, 5517, 5966,
];

export const ICT_JAWLINE = {
  right: [1278, 1272, 12, 1834, 243, 781, 2199, 1447],
  left: [3661, 4390, 3022, 2484, 4036, 2253, 3490, 3496],
  rightExtended: [1280, 1278, 1275, 1272, 1248, 12, 820, 1834, 1902, 243, 844, 781, 1673, 2199, 801, 1447, 800],
  leftExtended: [3041, 3661, 3042, 4390, 3880, 3022, 3085, 2484, 4102, 4036, 3061, 2253, 3466, 3490, 3493, 3496, 3498],
};

export const ICT_UNITS_TO_MM = 10;
