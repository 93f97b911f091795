/* test_interp.c — the reference interpreter against values computed
 * independently of it: small cases worked by hand, and arrays numpy produced
 * once (below; each block names the numpy expression). Every op in ops.def is
 * covered, with broadcasting, empty tensors, NaN, negative axes, the conv and
 * pool corner cases, and the run-time and input-mismatch errors.
 *
 * The numpy data came from one script: rng = np.random.default_rng(1234),
 * drawn in the order the arrays appear; inputs were rounded to f32 first
 * (and are pasted below), expected values computed in float64 from those f32
 * inputs and rounded to f32 once. Shorthands: f64 = np.float64, xd =
 * x.astype(f64) for x = [-3, -1.5, -0.5, 0, 0.25, 1, 2.5, 4], sig =
 * 1/(1+exp(-xd)), erf = np.vectorize(math.erf), xpd = [0, .25, 1, 2, 9, 1e-3,
 * 100, 3] as f64; conv() pads with np.pad and sums strided slices per kernel
 * tap; maxpool() visits each window with the PyTorch output-size rule. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/test_util.h"

#include "ir/interp.h"

/* ---- numpy data -------------------------------------------------------------- */

/* numpy: arr("un_exp", np.exp(xd)); arr("un_tanh", np.tanh(xd)); arr("un_sigmoid", sig); arr("un_erf", erf(xd)) */
static const float un_exp[8] = {
    0.0497870669f, 0.223130167f, 0.606530666f, 1.0f, 1.28402543f, 2.71828175f, 12.1824942f, 54.5981483f,
};
static const float un_tanh[8] = {
    -0.995054781f, -0.905148268f, -0.462117165f, 0.0f, 0.244918659f, 0.761594176f, 0.986614287f, 0.999329329f,
};
static const float un_sigmoid[8] = {
    0.0474258736f, 0.182425529f, 0.377540678f, 0.5f, 0.562176526f, 0.731058598f, 0.924141824f, 0.982013762f,
};
static const float un_erf[8] = {
    -0.999977887f, -0.966105163f, -0.520499885f, 0.0f, 0.276326388f, 0.842700779f, 0.999593019f, 1.0f,
};
/* numpy: arr("un_gelu", 0.5*xd*(1+erf(xd/np.sqrt(2)))) */
static const float un_gelu[8] = {
    -0.00404969417f, -0.100210801f, -0.154268771f, 0.0f, 0.149676576f, 0.841344774f, 2.48447585f, 3.9998734f,
};
/* numpy: arr("un_gelu_tanh", 0.5*xd*(1+np.tanh(np.sqrt(2/np.pi)*(xd+0.044715*xd**3)))) */
static const float un_gelu_tanh[8] = {
    -0.00363739207f, -0.100428425f, -0.154285997f, 0.0f, 0.149675354f, 0.841192007f, 2.48491573f, 3.99992967f,
};
/* numpy: arr("un_silu", xd*sig) */
static const float un_silu[8] = {
    -0.142277613f, -0.273638278f, -0.188770339f, 0.0f, 0.140544131f, 0.731058598f, 2.31035447f, 3.92805505f,
};
/* numpy: arr("un_hardswish", xd*np.minimum(np.maximum(xd+3,0),6)/6) */
static const float un_hardswish[8] = {
    -0.0f, -0.375f, -0.208333328f, 0.0f, 0.135416672f, 0.666666687f, 2.29166675f, 4.0f,
};
/* numpy: arr("un_hardsigmoid", np.maximum(0, np.minimum(1, 0.2*xd+0.5))) */
static const float un_hardsigmoid[8] = {
    0.0f, 0.200000003f, 0.400000006f, 0.5f, 0.550000012f, 0.699999988f, 1.0f, 1.0f,
};
/* numpy: arr("un_hardsigmoid_b", np.maximum(0, np.minimum(1, xd/6+0.5))) */
static const float un_hardsigmoid_b[8] = {
    0.0f, 0.25f, 0.416666657f, 0.5f, 0.541666687f, 0.666666687f, 0.916666687f, 1.0f,
};
/* numpy: arr("un_leaky", np.where(xd>=0, xd, 0.01*xd)); arr("un_leaky_b", np.where(xd>=0, xd, 0.2*xd)) */
static const float un_leaky[8] = {
    -0.0299999993f, -0.0149999997f, -0.00499999989f, 0.0f, 0.25f, 1.0f, 2.5f, 4.0f,
};
static const float un_leaky_b[8] = {
    -0.600000024f, -0.300000012f, -0.100000001f, 0.0f, 0.25f, 1.0f, 2.5f, 4.0f,
};
/* numpy: arr("un_clip", np.clip(xd, -1, 2)) */
static const float un_clip[8] = {
    -1.0f, -1.0f, -0.5f, 0.0f, 0.25f, 1.0f, 2.0f, 2.0f,
};
/* numpy: arr("un_recip", 1/xd) */
static const float un_recip[8] = {
    -0.333333343f, -0.666666687f, -2.0f, INFINITY, 4.0f, 1.0f, 0.400000006f, 0.25f,
};
/* numpy: arr("un_log", np.log(xpd)) */
static const float un_log[8] = {
    -INFINITY, -1.38629436f, 0.0f, 0.693147182f, 2.19722462f, -6.90775537f, 4.60517025f, 1.09861231f,
};
/* numpy: arr("un_sqrt", np.sqrt(xpd)) */
static const float un_sqrt[8] = {
    0.0f, 0.5f, 1.0f, 1.41421354f, 3.0f, 0.0316227786f, 10.0f, 1.73205078f,
};
/* numpy: arr("bin_a", a); arr("bin_b", b); arr("bin_ap", ap) */
static const float bin_a[6] = {
    1.90679908f, -0.479217052f, 1.69298494f, -0.953230321f, -0.723611772f, -1.5276351f,
};
static const float bin_b[3] = {
    0.862649441f, 0.977800906f, 1.94611883f,
};
static const float bin_ap[6] = {
    0.864584446f, 1.37891781f, 1.8686254f, 2.60450172f, 2.60489726f, 2.05715585f,
};
/* numpy: arr("bin_add", ad+bd); arr("bin_sub", ad-bd); arr("bin_mul", ad*bd); arr("bin_div", ad/bd) */
static const float bin_add[6] = {
    2.76944852f, 0.498583853f, 3.63910389f, -0.0905808806f, 0.254189134f, 0.418483734f,
};
static const float bin_sub[6] = {
    1.04414964f, -1.4570179f, -0.253133893f, -1.81587982f, -1.70141268f, -3.47375393f,
};
static const float bin_mul[6] = {
    1.64489913f, -0.468578875f, 3.29474998f, -0.822303593f, -0.707548261f, -2.97295952f,
};
static const float bin_div[6] = {
    2.21039867f, -0.490096748f, 0.869928837f, -1.10500312f, -0.740040004f, -0.784964979f,
};
/* numpy: arr("bin_pow", apd**bd); arr("bin_max", np.maximum(ad, bd)); arr("bin_min", np.minimum(ad, bd)) */
static const float bin_pow[6] = {
    0.882037282f, 1.36911762f, 3.37609434f, 2.28362417f, 2.55011892f, 4.07056952f,
};
static const float bin_max[6] = {
    1.90679908f, 0.977800906f, 1.94611883f, 0.862649441f, 0.977800906f, 1.94611883f,
};
static const float bin_min[6] = {
    0.862649441f, -0.479217052f, 1.69298494f, -0.953230321f, -0.723611772f, -1.5276351f,
};
/* numpy: arr("bc_c", c); arr("bc_e", e); arr("bc_sub", c.astype(f64) - e.astype(f64))  # shape (2,4,3) */
static const float bc_c[6] = {
    0.3197487f, 0.471515387f, -0.554492712f, -0.655867636f, 0.740829945f, -0.879722655f,
};
static const float bc_e[4] = {
    0.367377818f, 0.34247604f, 0.222035959f, -0.879725397f,
};
static const float bc_sub[24] = {
    -0.047629118f, 0.10413757f, -0.92187053f, -0.0227273405f, 0.129039347f, -0.896968722f, 0.0977127403f,
    0.249479428f, -0.776528656f, 1.1994741f, 1.35124075f, 0.325232685f, -1.02324545f, 0.373452127f,
    -1.24710047f, -0.998343706f, 0.398353904f, -1.22219872f, -0.877903581f, 0.518794f, -1.1017586f,
    0.22385776f, 1.6205554f, 2.74181366e-06f,
};
/* numpy: arr("red_x", r) */
static const float red_x[24] = {
    0.955538571f, -0.122096747f, 0.0651900396f, -0.993735433f, -0.497465789f, 0.716980875f, -0.149403304f,
    0.471637994f, 0.844086409f, -0.693051636f, 0.984518468f, -0.635336459f, 0.880225778f, -0.826233864f,
    -0.0635785684f, 0.657978415f, -0.437895477f, 0.738183022f, 0.952833176f, 0.683427334f, -0.102252796f,
    -0.258983135f, -0.0346611254f, -0.815636933f,
};
/* numpy: arr("red_sum_1", rd.sum(axis=1)); arr("red_sum_all", rd.sum()); arr("red_mean_02", rd.mean(axis=(0, 2), keepdims=True)) */
static const float red_sum_1[8] = {
    1.30215919f, -0.0981675088f, 0.900305212f, -1.15743387f, 0.340077519f, -0.347033978f, 0.854593456f,
    0.525768816f,
};
static const float red_sum_all[1] = {
    2.32026887f,
};
static const float red_mean_02[3] = {
    0.0691610277f, 0.309787214f, -0.0889146477f,
};
/* numpy: arr("red_max_m1", rd.max(axis=-1, keepdims=True)); arr("red_min_0", rd.min(axis=0)) */
static const float red_max_m1[6] = {
    0.955538571f, 0.716980875f, 0.984518468f, 0.880225778f, 0.952833176f, -0.0346611254f,
};
static const float red_min_0[12] = {
    0.880225778f, -0.826233864f, -0.0635785684f, -0.993735433f, -0.497465789f, 0.716980875f, -0.149403304f,
    0.471637994f, -0.102252796f, -0.693051636f, -0.0346611254f, -0.815636933f,
};
/* numpy: arr("sm_x", s); arr("sm_last", softmax(sd, 1)); arr("sm_first", softmax(sd, 0)); arr("lsm_last", logsoftmax(sd, 1)) */
static const float sm_x[10] = {
    -1.6399014f, 0.219397426f, 1.39938986f, -0.306535274f, -1.16699541f, 2.68415761f, 1.50620306f,
    -0.167709246f, -0.256344736f, 1.47802687f,
};
static const float sm_last[10] = {
    0.0296664517f, 0.190435901f, 0.619745016f, 0.112548359f, 0.0476042889f, 0.582127452f, 0.179241642f,
    0.033609964f, 0.0307591371f, 0.174261793f,
};
static const float sm_first[10] = {
    0.0130728455f, 0.216393977f, 0.82736969f, 0.48745501f, 0.0662964731f, 0.986927152f, 0.783605993f,
    0.172630325f, 0.51254499f, 0.933703542f,
};
static const float lsm_last[10] = {
    -3.51773834f, -1.65843964f, -0.478447169f, -2.18437243f, -3.04483247f, -0.541065872f, -1.71902037f,
    -3.39293265f, -3.4815681f, -1.74719656f,
};
/* numpy: big = np.array([1000, 1001, 1002], f64); arr("sm_big", softmax(big, 0)); arr("lsm_big", logsoftmax(big, 0)) */
static const float sm_big[3] = {
    0.0900305733f, 0.244728476f, 0.665240943f,
};
static const float lsm_big[3] = {
    -2.40760589f, -1.40760601f, -0.407605976f,
};
/* numpy: arr("ln_x", l); arr("ln_s", ls); arr("ln_b", lb); arr("ln_b34", lb34) */
static const float ln_x[24] = {
    1.42159951f, -0.825993776f, 0.933257997f, 1.23532283f, 1.54834795f, -1.90066719f, 0.0501977913f,
    0.451142728f, -0.878604174f, -0.191473097f, 0.12488436f, 1.95453823f, -1.97608733f, -1.19484687f,
    -0.972496808f, -0.637020648f, -1.78799212f, -0.694022f, -1.20656717f, 1.3168596f, 0.548486531f,
    -1.6582371f, -1.1193583f, 0.724704027f,
};
static const float ln_s[4] = {
    0.634410083f, 1.45651364f, 0.636523962f, 1.29770219f,
};
static const float ln_b[4] = {
    -0.00170647749f, -0.195292279f, -0.265793949f, 0.393008173f,
};
static const float ln_b34[12] = {
    -0.122463495f, -0.423654556f, -0.46619314f, -0.0383866765f, 0.373823971f, -0.149390504f, 0.323520541f,
    0.447199076f, -0.432959288f, -0.202159911f, 0.119161017f, -0.198242575f,
};
/* numpy: arr("ln_last", ln(ld, (2,))*ls.astype(f64) + lb.astype(f64)) */
static const float ln_last[24] = {
    0.517275333f, -2.66953397f, -0.093154639f, 1.18391407f, 0.767653286f, -2.46055841f, -0.259182453f,
    0.824056089f, -0.686593652f, -0.812342167f, -0.343234867f, 2.50161338f, -1.00731838f, -0.194505781f,
    0.0218100008f, 1.86296487f, -0.65049541f, -0.321292847f, -0.600042164f, 2.51382756f, 0.566480994f,
    -2.00422359f, -0.724070072f, 1.77676237f,
};
/* numpy: arr("ln_axis1", ln(ld, (1, 2))*ls.astype(f64) + lb34.astype(f64)) */
static const float ln_axis1[24] = {
    0.50548321f, -1.94191301f, -0.117206976f, 1.02752817f, 1.07447529f, -3.08292341f, 0.164283276f,
    0.593002439f, -1.1244415f, -0.884796202f, 0.00290775741f, 1.71155798f, -0.913962662f, -1.1093657f,
    -0.625130653f, 0.0704698712f, -0.299020141f, -0.109766223f, 0.0164337158f, 3.07727981f, 0.368104607f,
    -1.55899072f, -0.132729009f, 1.66773963f,
};
/* numpy: arr("ln_plain", ln(ld, (2,), 1e-3)) */
static const float ln_plain[24] = {
    0.817546904f, -1.69768918f, 0.271053821f, 0.60908848f, 1.21233034f, -1.55477047f, 0.0103835799f,
    0.332056582f, -1.07907879f, -0.423457563f, -0.121607378f, 1.62414372f, -1.58189082f, 0.00053888408f,
    0.450916678f, 1.13043535f, -1.0222944f, -0.086477004f, -0.524924695f, 1.63369608f, 0.895199716f,
    -1.24138319f, -0.719632685f, 1.06581616f,
};
/* numpy: arr("bn_x", bx); arr("bn_s", bs); arr("bn_b", bb); arr("bn_m", bm); arr("bn_v", bv) */
static const float bn_x[24] = {
    -1.30061424f, -0.0179792196f, 1.04228163f, 0.749046326f, -1.00738084f, 0.488186389f, -0.737377226f,
    -0.891134322f, 1.71946084f, -0.881618917f, 1.79534006f, -1.19193065f, 0.261913657f, -0.478787482f,
    1.23242688f, -1.48978531f, 1.80535817f, 0.915309429f, -1.29781997f, 0.771036386f, -1.62866795f,
    0.225606278f, -1.59002352f, -1.82522702f,
};
static const float bn_s[3] = {
    -0.214618981f, 0.382108122f, 0.453954875f,
};
static const float bn_b[3] = {
    0.33806321f, 0.183109462f, 0.758001089f,
};
static const float bn_m[3] = {
    0.0753153041f, -0.804355204f, -0.717408359f,
};
static const float bn_v[3] = {
    1.92833221f, 1.61639738f, 0.112832166f,
};
/* numpy: arr("bn_y", (bx.astype(f64) - sh(bm))/np.sqrt(sh(bv)+1e-3)*sh(bs) + sh(bb)) */
static const float bn_y[24] = {
    0.550662041f, 0.352478415f, 0.188654482f, 0.233963102f, 0.122109607f, 0.571458697f, 0.203233257f,
    0.157036334f, 4.03678226f, 0.537057579f, 4.13887691f, 0.119536519f, 0.309231371f, 0.423679203f,
    0.159274593f, 0.579891384f, 0.967208147f, 0.699789464f, 0.0348460302f, 0.656442046f, -0.468088746f,
    2.02681708f, -0.416093111f, -0.73255682f,
};
/* numpy: arr("mm_a", ma); arr("mm_b", mb); arr("mm_y", np.matmul(ma.astype(f64), mb.astype(f64)))  # (2,3,2,2) */
static const float mm_a[12] = {
    0.89162308f, 0.310845166f, 0.821369112f, -0.694830656f, 0.177264631f, 0.00753119914f, -0.652382016f,
    -0.874299407f, 0.329096675f, -0.936189473f, -0.523688793f, 0.0308593065f,
};
static const float mm_b[18] = {
    0.204715639f, -0.434080929f, 0.686259985f, 0.789411128f, 0.446382463f, 0.853082836f, -0.882005513f,
    -0.899705052f, -0.752239764f, -0.755839109f, 0.0623002984f, 0.826276064f, -0.635065436f, 0.982997417f,
    0.759809792f, -0.354088724f, -0.617368579f, -0.00626713131f,
};
static const float mm_y[24] = {
    0.762494564f, 0.559043944f, -0.0172312837f, 0.447972149f, -0.969075024f, -0.358469099f, 0.47996816f,
    0.497381955f, -0.837143302f, 0.761248767f, 0.571300805f, -0.74583137f, -0.586646497f, -0.12624836f,
    -0.537264228f, 0.0193017796f, 1.25359011f, 1.51970577f, 1.22158635f, 1.26361716f, -0.453169942f,
    -0.333772779f, 0.177586138f, -0.735032916f,
};
/* numpy: arr("mm_v", mv); arr("mm_vb", np.matmul(mv.astype(f64), mb.astype(f64)))  # (3,2) */
static const float mm_v[3] = {
    -0.371189356f, -0.939390659f, -0.814752936f,
};
static const float mm_vb[6] = {
    -1.08434594f, -1.275491f, 0.983278692f, 0.370778292f, 0.0249741711f, -0.0271443743f,
};
/* numpy: arr("mm_av", np.matmul(ma.astype(f64), mv.astype(f64)))  # (2,1,2) */
static const float mm_av[4] = {
    -1.29217899f, 0.0852569416f, 0.795333445f, 0.814309239f,
};
/* numpy: arr("mm_vv", np.dot(mv.astype(f64), mv.astype(f64))) */
static const float mm_vv[1] = {
    1.68405867f,
};
/* numpy: arr("gm_a", ga); arr("gm_b", gb); arr("gm_c", gc); arr("gm_c2", gc2) */
static const float gm_a[6] = {
    0.178040698f, 0.268076777f, 0.932688951f, -0.970240653f, 0.466319978f, 0.265725702f,
};
static const float gm_b[12] = {
    0.00336984219f, -0.758126915f, 0.715880752f, 0.404821754f, 0.137228057f, 0.962198436f, -0.819294572f,
    0.454159528f, -0.0227325968f, -0.439001709f, 0.77066052f, 0.615456343f,
};
static const float gm_c[4] = {
    -0.12110167f, 0.283296257f, 0.262078136f, -0.983126581f,
};
static const float gm_c2[2] = {
    -0.556683302f, -0.566214442f,
};
/* numpy: arr("gm_y", 0.5*AB + 2*gc.astype(f64)); arr("gm_y2", AB + gc2.astype(f64)); arr("gm_y3", AB) */
static const float gm_y[8] = {
    -0.428536892f, 0.890971601f, 0.657716811f, -1.50244021f, 0.221145079f, 0.682122469f, 0.190997019f,
    -2.31718802f,
};
static const float gm_y2[8] = {
    -0.929350436f, 0.0920748934f, -0.289562166f, 0.370942682f, 0.360482395f, -0.335154504f, -1.23253298f,
    -1.26808417f,
};
static const float gm_y3[8] = {
    -0.372667134f, 0.648758173f, 0.267121136f, 0.927625954f, 0.926696837f, 0.231059924f, -0.666318536f,
    -0.701869786f,
};
/* numpy: arr("cv1_x", cx); arr("cv1_w", cw); arr("cv1_b", cb); arr("cv1_y", conv(cx, cw, cb)) */
static const float cv1_x[50] = {
    -0.559461951f, 0.482274413f, 0.88310802f, -0.467125416f, 0.494546622f, -0.995857835f, 0.618712664f,
    0.613617778f, -0.890934646f, -0.802127421f, 0.106453136f, 0.52582109f, 0.461862475f, 0.364942074f,
    0.525182605f, 0.198825046f, -0.529045284f, -0.943877399f, 0.823351681f, -0.171838805f, 0.446928173f,
    -0.468098253f, 0.960739136f, -0.643819988f, -0.906163156f, -0.011768383f, -0.25894177f, 0.311148524f,
    -0.999907732f, -0.713970542f, 0.717951775f, 0.365619928f, -0.335933387f, -0.95036763f, -0.915594161f,
    -0.22083497f, 0.886022627f, 0.837224126f, -0.370546073f, -0.255558074f, -0.466500521f, -0.716252089f,
    0.183037043f, -0.0738407746f, 0.670660675f, -0.00913210213f, -0.96457094f, -0.124210581f, -0.731923163f,
    -0.335198075f,
};
static const float cv1_w[54] = {
    0.00260540028f, 0.0867374241f, 0.38969779f, 0.928391516f, -0.250196755f, 0.510695577f, 0.0569594763f,
    0.729262948f, 0.121697992f, -0.23572509f, -7.62221243e-05f, 0.0594757386f, 0.971243918f, -0.877437234f,
    -0.910306215f, -0.611350417f, -0.992182374f, -0.788377643f, -0.211124524f, -0.59033823f, -0.0360692628f,
    0.690800309f, 0.276936442f, 0.534864426f, 0.661095738f, -0.746120989f, -0.911465645f, -0.103605755f,
    -0.0668888912f, 0.920534968f, -0.484388441f, -0.111778498f, 0.118016757f, 0.699977636f, -0.749342144f,
    0.857002735f, 0.159418076f, -0.0749331787f, -0.113212526f, -0.900217891f, -0.449947804f, 0.239858374f,
    0.838024378f, 0.84136492f, -0.487872869f, 0.0722926557f, -0.388151705f, -0.264296591f, -0.297805697f,
    -0.134384543f, -0.993475795f, -0.0902624428f, -0.372082025f, -0.472700804f,
};
static const float cv1_b[3] = {
    0.144826069f, -0.0179626849f, 0.439377725f,
};
static const float cv1_y[27] = {
    -0.491433591f, 0.854029953f, 2.32127762f, -0.942936599f, 0.428231537f, 1.71636558f, 1.1777097f,
    1.35952806f, -0.826836288f, -1.37204862f, -2.32395077f, -0.461001724f, 1.72328258f, -2.34686565f,
    -0.353827298f, 0.559412539f, -2.42122793f, 0.951450765f, 0.668365538f, 0.896275878f, 2.57293606f,
    -0.539061368f, -1.2087158f, 0.561218679f, -0.400081426f, 2.85421872f, 1.5727644f,
};
/* numpy: arr("cv2_x", cx2); arr("cv2_w", cw2); arr("cv2_b", cb2); arr("cv2_y", y2) */
static const float cv2_x[336] = {
    -0.0724271759f, 0.702226937f, 0.576665342f, 0.0820945129f, 0.892570615f, 0.292772025f, -0.157191783f,
    -0.547335446f, -0.675085545f, -0.290495634f, -0.508702338f, -0.0642754063f, 0.552950561f, -0.922650516f,
    0.564080536f, -0.663731396f, 0.177692071f, -0.991181672f, 0.66629827f, 0.435078949f, -0.643134952f,
    0.837786853f, -0.294925392f, 0.224761173f, -0.567517579f, -0.00287246355f, 0.366617441f, -0.604551017f,
    -0.34794116f, -0.13279888f, 0.110203087f, -0.417553753f, -0.0542528741f, -0.791704118f, -0.124184653f,
    -0.957640648f, -0.641937375f, 0.826140404f, -0.586308837f, -0.271760166f, -0.637769997f, 0.170271397f,
    0.176400229f, 0.785981894f, 0.465796202f, 0.887263656f, -0.610432148f, -0.517840922f, 0.73190707f,
    0.740184605f, -0.73236376f, -0.274226487f, -0.972793043f, -0.532778263f, -0.308348805f, -0.382967204f,
    -0.757539213f, 0.906519294f, -0.28436771f, -0.0549441539f, 0.389519364f, 0.630568087f, 0.778973103f,
    0.17518945f, 0.768182755f, 0.108005591f, 0.591113746f, -0.51534152f, 0.4989447f, -0.481881082f,
    0.1537873f, 0.871369243f, 0.22852768f, -0.858829975f, 0.786047161f, 0.0392151773f, -0.831775725f,
    -0.251711518f, 0.465452582f, -0.81403923f, 0.335575342f, 0.992625654f, -0.621603191f, 0.275258899f,
    0.847232699f, 0.62497288f, -0.529286623f, 0.319825202f, 0.748221397f, 0.35919556f, -0.653959453f,
    0.646392345f, 0.684768617f, 0.750474572f, -0.756141424f, -0.224134013f, 0.0509381853f, -0.746890783f,
    -0.210085198f, 0.831237078f, 0.510457158f, -0.874089599f, 0.467380702f, 0.0680085793f, 0.952035129f,
    0.377818614f, 0.977980673f, -0.208479524f, 0.566457748f, 0.608624876f, -0.735943437f, -0.609730601f,
    0.105981842f, 0.631150186f, -0.486036241f, -0.960426092f, -0.393934608f, -0.271196604f, 0.217927545f,
    -0.624424815f, -0.480771095f, 0.243178681f, -0.736315846f, -0.168420076f, -0.141156927f, -0.740109563f,
    -0.705729008f, -0.211641908f, 0.477958113f, 0.280329078f, 0.583220005f, 0.309259266f, -0.901015043f,
    0.603699863f, -0.405079067f, -0.170494214f, -0.551565051f, 0.448974371f, 0.603685677f, 0.717809141f,
    -0.485444993f, 0.226457775f, -0.349623591f, 0.641768217f, -0.739275157f, 0.563984156f, 0.125162348f,
    -0.587212622f, -0.928983092f, -0.806255519f, 0.750818431f, 0.449385464f, 0.51440078f, 0.0988817215f,
    -0.230492845f, -0.207501158f, -0.882612705f, 0.211484686f, 0.355312318f, -0.786245406f, 0.6523633f,
    0.374161482f, 0.894324124f, 0.911305726f, 0.67240864f, 0.00428727362f, -0.163103163f, -0.971847594f,
    -0.252726823f, -0.735505044f, -0.942896008f, 0.236664921f, 0.189135879f, 0.452232629f, 0.194533199f,
    0.091406025f, 0.153042763f, -0.148299962f, 0.68265897f, -0.860519946f, -0.923980057f, -0.949765146f,
    -0.0686720237f, 0.420379251f, 0.543314457f, 0.120098218f, 0.636534393f, 0.630554318f, -0.600625217f,
    -0.566971481f, 0.72041893f, 0.993201971f, -0.599697053f, 0.206957325f, -0.460025996f, 0.0915632695f,
    0.870246291f, -0.562093794f, -0.899006724f, 0.159946531f, 0.667309046f, 0.074916862f, 0.149094939f,
    0.24342379f, -0.0265204273f, -0.862853765f, -0.0218102727f, 0.191041037f, -0.886849225f, 0.334403664f,
    0.571109116f, 0.870496392f, 0.430562317f, 0.806337833f, 0.689306378f, 0.39483428f, -0.339214385f,
    -0.885329008f, 0.950388372f, 0.25714764f, 0.900117815f, -0.68673265f, -0.555168748f, 0.138811305f,
    -0.43288219f, -0.95627147f, 0.311358213f, -0.611740589f, 0.707885563f, -0.792748153f, -0.314327121f,
    -0.363439083f, -0.466337472f, 0.120716758f, 0.0729697272f, -0.818159997f, -0.222575426f, -0.0785518363f,
    0.73164016f, 0.561932504f, 0.648706496f, 0.234593853f, 0.0224646628f, 0.88959527f, -0.00804917887f,
    -0.0536173135f, 0.153052524f, -0.393363446f, 0.766084969f, 0.045765359f, 0.101576068f, -0.560315907f,
    0.0954246148f, 0.0439578146f, -0.512803018f, -0.144541219f, -0.804137111f, -0.5575459f, 0.82297802f,
    0.75634712f, 0.659216881f, 0.442235112f, -0.352419257f, -0.847239792f, 0.458675116f, -0.648566544f,
    0.390228808f, 0.547715843f, -0.241922259f, -0.893754065f, 0.255736023f, -0.163380206f, -0.876546621f,
    -0.201478526f, 0.852754474f, -0.57980597f, 0.723130882f, -0.0553132817f, 0.240492448f, -0.452315181f,
    -0.304901212f, -0.873935342f, -0.822100759f, 0.0180067159f, -0.496281803f, 0.536601663f, -0.303673029f,
    0.733111203f, 0.642259002f, -0.56830579f, -0.766798198f, -0.354753405f, 0.117992751f, 0.698257744f,
    0.958396196f, 0.571093976f, -0.343656182f, 0.955477178f, 0.800167561f, 0.0335505866f, -0.217841715f,
    -0.250288546f, 0.968818009f, -0.216572523f, 0.287719339f, -0.758889258f, -0.773810148f, 0.454213053f,
    0.743754029f, 0.121731125f, 0.700084448f, -0.990851641f, -0.246456504f, -0.943730831f, -0.220376164f,
    -0.376883179f, -0.277904779f, -0.693905115f, 0.494534582f, 0.990810871f, -0.991045117f, 0.287618369f,
    -0.33964321f, 0.0851974562f, -0.152998567f, 0.938865304f, -0.602845907f, 0.207912281f, 0.450402349f,
    -0.738697767f, 0.361624986f, 0.653461337f, -0.115390509f, -0.810376406f, -0.746216595f, -0.0499702208f,
};
static const float cv2_w[72] = {
    0.460083902f, 0.248502016f, -0.791286349f, -0.333175302f, -0.428503543f, -0.307394624f, -0.767625391f,
    0.000576557999f, -0.305567533f, 0.447786421f, -0.82867676f, -0.603037655f, -0.907743335f, -0.27134797f,
    0.580247104f, -0.749386013f, -0.158257633f, 0.361950696f, -0.712004781f, -0.964387715f, -0.962514877f,
    0.14697288f, -0.422358543f, 0.344875067f, -0.582927585f, 0.0206558127f, 0.78590256f, 0.187802017f,
    0.266475677f, 0.910560906f, -0.31172806f, -0.102275945f, 0.289068043f, -0.0754594207f, 0.180102661f,
    -0.990381002f, 0.0853637233f, -0.487109482f, -0.259346604f, 0.576813042f, -0.343784958f, 0.734706044f,
    0.360717773f, 0.50457871f, 0.234067798f, 0.950601518f, 0.819970071f, 0.779637277f, 0.518470228f,
    -0.913810551f, -0.927232444f, 0.616526246f, 0.956794918f, 0.317813337f, -0.222368404f, 0.274452984f,
    -0.619701624f, -0.179285452f, -0.257570386f, -0.429343313f, -0.668419659f, 0.876167536f, 0.983428597f,
    0.12184602f, 0.116821632f, 0.924733341f, 0.359659731f, -0.901641428f, -0.424808711f, -0.193340272f,
    -0.214660078f, -0.560980916f,
};
static const float cv2_b[6] = {
    -0.214455947f, 0.424305618f, 0.584774792f, 0.740184665f, -0.633753955f, -0.139500961f,
};
static const float cv2_y[216] = {
    -0.922210038f, -1.09157789f, -0.215600625f, -1.0436672f, -0.376249105f, -0.186608642f, -1.08338737f,
    -0.74322927f, -0.373439282f, 0.307719707f, 1.4427284f, 0.573032558f, -0.500912905f, 0.305197686f,
    -0.81594342f, 0.247068942f, -0.325128585f, 0.640728056f, 0.252557397f, -0.506775975f, 1.05132079f,
    0.709533393f, 0.876150012f, 0.818629742f, -1.30238271f, 2.20582938f, -0.419626802f, 2.38777542f,
    0.984412968f, 1.14631832f, -1.15336382f, -0.255784392f, -0.131814405f, -1.64803958f, 1.38911104f,
    -0.170012474f, 0.533532679f, -0.830521286f, 0.366924644f, -0.519464731f, 0.0893663988f, 0.459596902f,
    1.57249665f, -0.0151341958f, 0.459877968f, 2.03107882f, 0.456459045f, 0.695664108f, 0.158500314f,
    -0.604285479f, 0.749176502f, -0.614287555f, 0.0119374115f, -0.405287057f, 1.3684212f, 1.95988345f,
    0.333694547f, -1.07195306f, -0.775015354f, 0.313970238f, -0.467176884f, 1.74885511f, -0.742418051f,
    0.395604134f, -0.252423674f, 1.26982391f, 0.331371099f, 0.95795697f, -0.332234859f, 0.247630075f,
    0.274981588f, 0.68107897f, 1.23833632f, -0.943784595f, 0.726444781f, -0.368844748f, 1.64539993f,
    -0.695964396f, -1.86561155f, -2.26898503f, -1.76038992f, 0.848129928f, -1.20881975f, -0.850671053f,
    0.233181715f, -1.10662687f, -0.555557251f, -0.699841321f, -1.00928819f, -0.215440154f, -0.478025019f,
    1.09852219f, 1.59355438f, 2.28117323f, -0.189746216f, -0.401933014f, -0.205576181f, -0.191332474f,
    1.17901039f, 0.0247934498f, 0.151342183f, 0.156008407f, -1.42767251f, -0.411872685f, -0.289734125f,
    1.05897236f, -0.794267476f, -1.06315112f, -1.26676464f, 1.11924171f, 0.449889719f, 0.603820205f,
    -1.35084772f, 0.150679201f, -1.47039151f, -0.133184329f, -1.17686653f, -1.00933778f, -1.60969234f,
    -0.965884745f, 0.256155103f, 0.124228455f, -0.552120328f, -0.401959836f, 0.501222849f, -0.0263991691f,
    0.220176637f, 1.26371288f, -0.355471581f, 0.0546215214f, 0.982042432f, 0.377814263f, 0.424281299f,
    1.67131698f, -0.0547292829f, -1.60144126f, 0.249263719f, 2.13862681f, -1.29552364f, 0.252714336f,
    2.13785052f, 0.526295424f, -0.379575759f, -0.370364338f, 2.37996936f, 0.147365779f, 0.559541106f,
    1.50413764f, 2.16448736f, -0.0036169216f, 1.34324944f, 1.56099916f, -1.10296667f, 0.456859767f,
    0.880529761f, 2.17113471f, -0.419518173f, 0.801213622f, 1.53621507f, 1.43578684f, 0.482970923f,
    0.143987492f, -0.471704721f, 0.253167927f, 0.523982942f, 0.815117538f, -1.79919004f, 0.412629038f,
    0.024155695f, -0.0823898166f, 0.755137503f, 1.32244384f, -0.000189357961f, -0.475676507f, 1.35678184f,
    0.0573545918f, 0.988603413f, 0.19391796f, 0.54987514f, 0.0773511007f, -0.0892411321f, -1.04443514f,
    -2.21803474f, -0.883824348f, 0.129577339f, 0.246093184f, -2.0789485f, -0.41053167f, -0.316570669f,
    1.21062005f, -1.02247298f, 0.955063224f, 0.143799186f, -0.564493179f, 0.168770447f, -2.40430641f,
    0.796440065f, -1.00205576f, 1.36404073f, 0.10019853f, 0.163002938f, 1.29067349f, -0.552437901f,
    -0.569098175f, 0.0659311339f, -1.17515945f, 0.0819763169f, -1.47701907f, 2.12182713f, 0.122660197f,
    -0.614130735f, -1.26406324f, 0.323645592f, 1.17265201f, -0.949632406f, 1.03325081f,
};
/* numpy: arr("cv3_x", cx3); arr("cv3_w", cw3); arr("cv3_y", conv(cx3, cw3, None, pads=(1, 1, 1, 1), group=3)) */
static const float cv3_x[48] = {
    -0.699902892f, -0.448776543f, -0.880559146f, 0.26577881f, -0.413846076f, 0.80144614f, -0.420801014f,
    -0.832216084f, -0.10148301f, -0.579555273f, 0.238900423f, 0.0745390356f, 0.85140276f, -0.353241146f,
    0.495451748f, 0.595196545f, -0.8982355f, -0.480168164f, 0.485320479f, 0.284582347f, 0.342762679f,
    -0.153995186f, -0.902419209f, -0.544617116f, -0.0496592f, -0.189439595f, 0.699614227f, 0.706901789f,
    0.905977607f, 0.977859139f, 0.774249017f, 0.282567799f, -0.0567104928f, -0.617716432f, -0.843829989f,
    0.147425473f, 0.337835789f, 0.23390536f, -0.830270171f, 0.637480259f, -0.930009127f, 0.120776065f,
    -0.787056208f, 0.998270333f, 0.249264136f, -0.404199362f, 0.7483989f, 0.359423876f,
};
static const float cv3_w[27] = {
    -0.48856917f, 0.767571509f, 0.955540419f, 0.073045671f, 0.250931442f, -0.132776409f, -0.820559621f,
    0.738558173f, -0.717629671f, 0.327430099f, -0.0887253881f, -0.473953545f, 0.473474354f, 0.657251537f,
    0.636623323f, -0.603148103f, 0.115304671f, -0.666263759f, 0.499122798f, -0.465135872f, 0.748505354f,
    -0.985081732f, -0.747626245f, -0.796615183f, -0.48343733f, 0.166456059f, 0.674561024f,
};
static const float cv3_y[48] = {
    -0.996831656f, 1.18665969f, -0.660227716f, -0.266976446f, -0.835354805f, -1.13338065f, 0.459287375f,
    0.253670782f, 1.3819505f, -1.08436131f, -1.27341163f, -0.364000559f, -0.371138155f, -0.259221971f,
    0.557244658f, 0.12603879f, -0.753929377f, -0.0551602095f, 0.624489486f, 0.898324549f, 0.555008888f,
    -1.45296991f, -1.62395978f, -0.992025852f, -0.657714069f, -0.0985732153f, 0.419141918f, 0.114298396f,
    1.31217468f, 1.23352516f, 0.692616463f, 0.718659818f, 0.748498797f, 0.505437911f, 1.30066645f,
    1.22851837f, -0.94822824f, -0.280070931f, 0.561013758f, 0.398199826f, 0.385861456f, 1.20823836f,
    1.21673954f, -0.983915806f, 0.658617079f, -1.64902329f, 0.725905061f, -1.86311781f,
};
/* numpy: arr("mp_x", px); arr("mp_y", py) */
static const float mp_x[84] = {
    0.27515474f, 0.381099969f, -0.784458995f, -0.580700696f, 0.62966311f, 0.381425917f, 0.887968838f,
    -0.682663083f, -0.735478103f, -0.475532115f, 0.588183224f, 0.0159547441f, 0.232418135f, -0.651486099f,
    0.210908651f, 0.111490443f, 0.350332499f, -0.116751537f, 0.283422291f, -0.150784776f, 0.117898598f,
    -0.498344153f, -0.913967848f, -0.638678491f, -0.610379934f, -0.850863755f, 0.826698244f, -0.718454123f,
    0.757502496f, 0.891669989f, 0.772887409f, 0.981312037f, 0.729312718f, 0.412726849f, 0.632128596f,
    -0.261645257f, -0.400902003f, 0.726030827f, 0.188655421f, -0.858550966f, 0.00717283972f, -0.0727362707f,
    0.960481763f, 0.119034268f, 0.823674142f, -0.897247791f, -0.428591609f, 0.286519915f, 0.216198519f,
    0.356700897f, -0.688479304f, -0.322946131f, 0.549290299f, -0.864140987f, -0.504110754f, -0.0111735053f,
    -0.751775861f, -0.727285504f, 0.242145777f, 0.0157372132f, -0.393434167f, 0.413692385f, -0.16348815f,
    -0.72100997f, 0.0252618622f, -0.779614091f, 0.984366357f, 0.265984267f, -0.683731496f, 0.152517512f,
    -0.275558352f, 0.498786896f, 0.819147646f, 0.132248372f, -0.182345614f, -0.740323067f, -0.446122617f,
    0.012386919f, -0.424677134f, -0.462420106f, -0.208741754f, -0.59479022f, -0.230604604f, 0.364399999f,
};
static const float mp_y[18] = {
    0.887968838f, 0.117898598f, 0.588183224f, 0.981312037f, 0.729312718f, 0.632128596f, 0.981312037f,
    0.729312718f, 0.632128596f, 0.413692385f, -0.16348815f, 0.549290299f, 0.819147646f, -0.16348815f,
    0.549290299f, 0.819147646f, -0.16348815f, 0.0252618622f,
};

/* ---- helpers ----------------------------------------------------------------- */

#define DIMS(...) ((const int64_t[]){__VA_ARGS__})
#define NDIMS(...) ((int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)))
#define SHAPE(...) ic_test_shape(NDIMS(__VA_ARGS__), DIMS(__VA_ARGS__))
#define N_OF(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))

static const ic_shape SCALAR = {.rank = 0};

/* Tensor data made by the helpers, freed after each test. */
static void *g_tracked[1024];
static int g_n_tracked;

static void track(void *p) {
    assert_true(g_n_tracked < (int)N_OF(g_tracked));
    g_tracked[g_n_tracked++] = p;
}

static int free_tracked(void **state) {
    (void)state;
    for (int i = 0; i < g_n_tracked; i++) free(g_tracked[i]);
    g_n_tracked = 0;
    return 0;
}

/* A tensor holding a copy of data (zeros when data is NULL). */
static ic_tensor T(ic_dtype dt, ic_shape s, const void *data) {
    ic_tensor t;
    assert_int_equal(ic_tensor_alloc(dt, &s, &t, NULL), IC_OK);
    track(t.data);
    if (data) memcpy(t.data, data, ic_tensor_nbytes(&t));
    return t;
}
static ic_tensor F32(ic_shape s, const float *v) { return T(IC_DT_F32, s, v); }
static ic_tensor I32(ic_shape s, const int32_t *v) { return T(IC_DT_I32, s, v); }
static ic_tensor I64(ic_shape s, const int64_t *v) { return T(IC_DT_I64, s, v); }
static ic_tensor U8(ic_shape s, const uint8_t *v) { return T(IC_DT_U8, s, v); }
static ic_tensor BOOL(ic_shape s, const uint8_t *v) { return T(IC_DT_BOOL, s, v); }

/* Adds ins as graph inputs x0, x1, ... and returns their ids in ids. */
static ic_graph *graph_with_inputs(const ic_tensor *ins, uint32_t n_in, uint32_t *ids) {
    ic_graph *g;
    assert_int_equal(ic_graph_create(NULL, "t", &g), IC_OK);
    for (uint32_t i = 0; i < n_in; i++) {
        char name[16];
        snprintf(name, sizeof name, "x%u", i);
        ids[i] = ic_graph_add_input(g, name, ins[i].dtype, &ins[i].shape);
        assert_true(ids[i] != IC_NONE);
    }
    return g;
}

/* Names the value and makes it the next graph output. */
static void add_output(ic_graph *g, uint32_t v) {
    char name[16];
    snprintf(name, sizeof name, "y%u", g->n_outputs);
    g->values[v].name = ic_graph_strdup(g, name);
    assert_true(ic_graph_add_output(g, v));
}

/* Runs g (verified first); outs are tracked. */
static ic_status run_graph(ic_graph *g, const ic_tensor *ins, ic_tensor *outs, ic_diag *d) {
    ic_diag vd = {0};
    if (ic_verify(g, &vd) != IC_OK) fail_msg("graph does not verify: %s", vd.msg);
    ic_status s = ic_interp_run(g, ins, outs, d);
    if (s == IC_OK)
        for (uint32_t i = 0; i < g->n_outputs; i++) track(outs[i].data);
    return s;
}

/* One node of op over graph inputs ins, built with shape inference; its result in *out. */
static ic_status run_op(ic_op op, const ic_tensor *ins, uint32_t n_in, const ic_attr *attrs, uint32_t n_attrs,
                        ic_tensor *out, ic_diag *d) {
    uint32_t ids[8];
    ic_graph *g = graph_with_inputs(ins, n_in, ids);
    uint32_t v = ic_graph_build(g, op, ids, n_in, attrs, n_attrs, d);
    if (v == IC_NONE) fail_msg("building %s: %s", ic_op_get(op)->name, d->msg);
    add_output(g, v);
    ic_status s = run_graph(g, ins, out, d);
    ic_graph_destroy(g);
    return s;
}

/* Like run_op, but the result type is set by hand, bypassing shape
 * inference: for interpreter paths shape.c does not let through. */
static ic_status run_raw(ic_op op, const ic_tensor *ins, uint32_t n_in, const ic_attr *attrs, uint32_t n_attrs,
                         ic_dtype out_dt, ic_shape out_shape, ic_tensor *out, ic_diag *d) {
    uint32_t ids[8];
    ic_graph *g = graph_with_inputs(ins, n_in, ids);
    uint32_t node = ic_graph_add_node(g, op, ids, n_in, 1, attrs, n_attrs);
    assert_true(node != IC_NONE);
    uint32_t v = g->nodes[node].outputs[0];
    g->values[v].dtype = out_dt;
    g->values[v].shape = out_shape;
    add_output(g, v);
    ic_status s = ic_interp_run(g, ins, out, d);
    if (s == IC_OK) track(out->data);
    ic_graph_destroy(g);
    return s;
}

/* Runs op and compares its result with want. */
static void check_op(const char *what, ic_op op, const ic_tensor *ins, uint32_t n_in, const ic_attr *attrs,
                     uint32_t n_attrs, ic_tensor want, double rtol, double atol) {
    ic_tensor got;
    ic_diag d = {0};
    if (run_op(op, ins, n_in, attrs, n_attrs, &got, &d) != IC_OK) fail_msg("%s: %s", what, d.msg);
    if (!ic_test_allclose(&got, &want, rtol, atol, what)) fail_msg("%s: mismatch", what);
}

/* Like check_op through run_raw: the result type is want's. */
static void check_raw(const char *what, ic_op op, const ic_tensor *ins, uint32_t n_in, const ic_attr *attrs,
                      uint32_t n_attrs, ic_tensor want) {
    ic_tensor got;
    ic_diag d = {0};
    if (run_raw(op, ins, n_in, attrs, n_attrs, want.dtype, want.shape, &got, &d) != IC_OK) fail_msg("%s: %s", what, d.msg);
    if (!ic_test_allclose(&got, &want, 0, 0, what)) fail_msg("%s: mismatch", what);
}

/* got equals want exactly (NaN equals NaN). */
static int exact(const ic_tensor *got, ic_tensor want, const char *what) { return ic_test_allclose(got, &want, 0, 0, what); }

#define RTOL 1e-6
#define ATOL 1e-7
#define CHECK1(what, op, x, want) check_op(what, op, (ic_tensor[]){x}, 1, NULL, 0, want, RTOL, ATOL)
#define CHECK1A(what, op, x, attrs, want) check_op(what, op, (ic_tensor[]){x}, 1, attrs, N_OF(attrs), want, RTOL, ATOL)
#define CHECK2(what, op, a, b, want) check_op(what, op, (ic_tensor[]){a, b}, 2, NULL, 0, want, RTOL, ATOL)

/* ---- pointwise ----------------------------------------------------------------- */

static const float un_x[8] = {-3, -1.5f, -0.5f, 0, 0.25f, 1, 2.5f, 4};
static const float un_xp[8] = {0, 0.25f, 1, 2, 9, 1e-3f, 100, 3};

static void test_unary_f32(void **state) {
    (void)state;
    ic_shape s = SHAPE(2, 4); /* shape does not matter to pointwise ops; rank 2 for variety */
    ic_tensor x = F32(s, un_x), xp = F32(s, un_xp);
    CHECK1("neg", IC_OP_NEG, x, F32(s, (float[]){3, 1.5f, 0.5f, -0.0f, -0.25f, -1, -2.5f, -4}));
    CHECK1("abs", IC_OP_ABS, x, F32(s, (float[]){3, 1.5f, 0.5f, 0, 0.25f, 1, 2.5f, 4}));
    CHECK1("floor", IC_OP_FLOOR, x, F32(s, (float[]){-3, -2, -1, 0, 0, 1, 2, 4}));
    CHECK1("ceil", IC_OP_CEIL, x, F32(s, (float[]){-3, -1, -0.0f, 0, 1, 1, 3, 4}));
    CHECK1("relu", IC_OP_RELU, x, F32(s, (float[]){0, 0, 0, 0, 0.25f, 1, 2.5f, 4}));
    CHECK1("exp", IC_OP_EXP, x, F32(s, un_exp));
    CHECK1("tanh", IC_OP_TANH, x, F32(s, un_tanh));
    CHECK1("sigmoid", IC_OP_SIGMOID, x, F32(s, un_sigmoid));
    CHECK1("erf", IC_OP_ERF, x, F32(s, un_erf));
    CHECK1("gelu", IC_OP_GELU, x, F32(s, un_gelu));
    CHECK1("silu", IC_OP_SILU, x, F32(s, un_silu));
    CHECK1("hardswish", IC_OP_HARDSWISH, x, F32(s, un_hardswish));
    CHECK1("hardsigmoid", IC_OP_HARDSIGMOID, x, F32(s, un_hardsigmoid));
    CHECK1("leaky_relu", IC_OP_LEAKY_RELU, x, F32(s, un_leaky));
    CHECK1("reciprocal", IC_OP_RECIPROCAL, x, F32(s, un_recip));
    CHECK1("log", IC_OP_LOG, xp, F32(s, un_log));
    CHECK1("sqrt", IC_OP_SQRT, xp, F32(s, un_sqrt));
    CHECK1("clip default", IC_OP_CLIP, x, x);

    ic_attr gelu_tanh[] = {ic_attr_make_string("approximate", "tanh")};
    CHECK1A("gelu tanh", IC_OP_GELU, x, gelu_tanh, F32(s, un_gelu_tanh));
    ic_attr hs[] = {ic_attr_make_float("alpha", 1.0 / 6), ic_attr_make_float("beta", 0.5)};
    CHECK1A("hardsigmoid alpha beta", IC_OP_HARDSIGMOID, x, hs, F32(s, un_hardsigmoid_b));
    ic_attr lr[] = {ic_attr_make_float("alpha", 0.2)};
    CHECK1A("leaky_relu alpha", IC_OP_LEAKY_RELU, x, lr, F32(s, un_leaky_b));
    ic_attr clip[] = {ic_attr_make_float("min", -1), ic_attr_make_float("max", 2)};
    CHECK1A("clip", IC_OP_CLIP, x, clip, F32(s, un_clip));
    ic_attr clip_lo[] = {ic_attr_make_float("min", 0.5)};
    CHECK1A("clip min only", IC_OP_CLIP, x, clip_lo, F32(s, (float[]){0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 1, 2.5f, 4}));
}

/* Infinities and NaN through every f32 unary op. */
static void test_unary_special(void **state) {
    (void)state;
    static const ic_op ops[] = {IC_OP_NEG, IC_OP_ABS, IC_OP_SQRT, IC_OP_RECIPROCAL, IC_OP_EXP, IC_OP_LOG,
                                IC_OP_TANH, IC_OP_SIGMOID, IC_OP_ERF, IC_OP_FLOOR, IC_OP_CEIL, IC_OP_RELU,
                                IC_OP_LEAKY_RELU, IC_OP_GELU, IC_OP_SILU, IC_OP_HARDSWISH, IC_OP_HARDSIGMOID,
                                IC_OP_CLIP};
    ic_tensor nan1 = F32(SHAPE(1), (float[]){NAN});
    for (uint32_t i = 0; i < N_OF(ops); i++) CHECK1(ic_op_get(ops[i])->name, ops[i], nan1, nan1);
    ic_shape s = SHAPE(2);
    ic_tensor inf = F32(s, (float[]){-INFINITY, INFINITY});
    CHECK1("sigmoid inf", IC_OP_SIGMOID, inf, F32(s, (float[]){0, 1}));
    CHECK1("tanh inf", IC_OP_TANH, inf, F32(s, (float[]){-1, 1}));
    CHECK1("exp inf", IC_OP_EXP, inf, F32(s, (float[]){0, INFINITY}));
    CHECK1("relu inf", IC_OP_RELU, inf, F32(s, (float[]){0, INFINITY}));
    CHECK1("hardsigmoid inf", IC_OP_HARDSIGMOID, inf, F32(s, (float[]){0, 1}));
    CHECK1("sqrt negative", IC_OP_SQRT, F32(s, (float[]){-1, 4}), F32(s, (float[]){NAN, 2}));
    CHECK1("reciprocal zero", IC_OP_RECIPROCAL, F32(s, (float[]){0, -0.0f}), F32(s, (float[]){INFINITY, -INFINITY}));
}

static void test_unary_int(void **state) {
    (void)state;
    ic_shape s = SHAPE(5);
    ic_tensor x = I32(s, (int32_t[]){INT32_MIN, -5, 0, 7, INT32_MAX});
    CHECK1("neg i32 wraps", IC_OP_NEG, x, I32(s, (int32_t[]){INT32_MIN, 5, 0, -7, -INT32_MAX}));
    CHECK1("abs i32 wraps", IC_OP_ABS, x, I32(s, (int32_t[]){INT32_MIN, 5, 0, 7, INT32_MAX}));
    CHECK1("relu i32", IC_OP_RELU, x, I32(s, (int32_t[]){0, 0, 0, 7, INT32_MAX}));
    /* integer clip: bounds become ceil(min), floor(max) */
    ic_attr clip[] = {ic_attr_make_float("min", -2.5), ic_attr_make_float("max", 3.5)};
    CHECK1A("clip i32", IC_OP_CLIP, I32(s, (int32_t[]){-5, -2, 0, 3, 4}), clip, I32(s, (int32_t[]){-2, -2, 0, 3, 3}));
    ic_attr clip_hi[] = {ic_attr_make_float("max", 1e30)};
    CHECK1A("clip i32 huge bound", IC_OP_CLIP, x, clip_hi, x);
    ic_tensor y = I64(SHAPE(3), (int64_t[]){-(INT64_C(1) << 40), 0, 3});
    CHECK1("relu i64", IC_OP_RELU, y, I64(SHAPE(3), (int64_t[]){0, 0, 3}));
    CHECK1("neg i64", IC_OP_NEG, y, I64(SHAPE(3), (int64_t[]){INT64_C(1) << 40, 0, -3}));
    ic_tensor b = BOOL(SHAPE(2), (uint8_t[]){0, 1});
    CHECK1("not", IC_OP_NOT, b, BOOL(SHAPE(2), (uint8_t[]){1, 0}));
}

static void test_binary_broadcast(void **state) {
    (void)state;
    ic_shape s = SHAPE(2, 3);
    ic_tensor a = F32(s, bin_a), b = F32(SHAPE(3), bin_b), ap = F32(s, bin_ap);
    CHECK2("add [2,3]+[3]", IC_OP_ADD, a, b, F32(s, bin_add));
    CHECK2("sub", IC_OP_SUB, a, b, F32(s, bin_sub));
    CHECK2("mul", IC_OP_MUL, a, b, F32(s, bin_mul));
    CHECK2("div", IC_OP_DIV, a, b, F32(s, bin_div));
    CHECK2("pow", IC_OP_POW, ap, b, F32(s, bin_pow));
    CHECK2("max", IC_OP_MAX, a, b, F32(s, bin_max));
    CHECK2("min", IC_OP_MIN, a, b, F32(s, bin_min));
    /* both sides broadcast, ranks differ: [2,1,3] - [4,1] -> [2,4,3] */
    CHECK2("sub [2,1,3]-[4,1]", IC_OP_SUB, F32(SHAPE(2, 1, 3), bc_c), F32(SHAPE(4, 1), bc_e), F32(SHAPE(2, 4, 3), bc_sub));
    /* scalar and size-1 operands (hand-computed) */
    ic_tensor x = F32(s, (float[]){1, 2, 3, 4, 5, 6});
    CHECK2("add scalar", IC_OP_ADD, x, F32(SCALAR, (float[]){10}), F32(s, (float[]){11, 12, 13, 14, 15, 16}));
    CHECK2("mul [2,1]", IC_OP_MUL, x, F32(SHAPE(2, 1), (float[]){2, -1}), F32(s, (float[]){2, 4, 6, -4, -5, -6}));
    CHECK2("sub [1,1] first", IC_OP_SUB, F32(SHAPE(1, 1), (float[]){1}), x, F32(s, (float[]){0, -1, -2, -3, -4, -5}));
    CHECK2("div [2,1]x[1,3]", IC_OP_DIV, F32(SHAPE(2, 1), (float[]){1, 2}), F32(SHAPE(1, 3), (float[]){1, 2, 4}),
           F32(s, (float[]){1, 0.5f, 0.25f, 2, 1, 0.5f}));
    CHECK2("div by zero f32", IC_OP_DIV, F32(SHAPE(3), (float[]){1, -1, 0}), F32(SCALAR, (float[]){0}),
           F32(SHAPE(3), (float[]){INFINITY, -INFINITY, NAN}));
}

static void test_binary_int(void **state) {
    (void)state;
    ic_shape s6 = SHAPE(6);
    /* division truncates toward zero; x/0 = 0; INT_MIN/-1 wraps */
    CHECK2("div i32", IC_OP_DIV, I32(s6, (int32_t[]){7, -7, 7, -7, 5, INT32_MIN}),
           I32(s6, (int32_t[]){2, 2, -2, -2, 0, -1}), I32(s6, (int32_t[]){3, -3, -3, 3, 0, INT32_MIN}));
    CHECK2("div i64", IC_OP_DIV, I64(SHAPE(3), (int64_t[]){INT64_MIN, -9, 9}), I64(SHAPE(3), (int64_t[]){-1, 4, 0}),
           I64(SHAPE(3), (int64_t[]){INT64_MIN, -2, 0}));
    /* integer pow (shape.c admits f32 only, so the result type is set by hand):
     * a negative exponent gives 1/x^-e truncated */
    ic_shape s9 = SHAPE(9);
    check_raw("pow i32", IC_OP_POW,
              (ic_tensor[]){I32(s9, (int32_t[]){2, 3, -2, 2, 1, -1, -1, 0, 5}),
                            I32(s9, (int32_t[]){10, 3, 3, -1, -5, -3, -4, -2, 0})},
              2, NULL, 0, I32(s9, (int32_t[]){1024, 27, -8, 0, 1, -1, 1, 0, 1}));
    check_raw("pow i64 wraps", IC_OP_POW, (ic_tensor[]){I64(SHAPE(2), (int64_t[]){2, 3}), I64(SCALAR, (int64_t[]){64})},
              2, NULL, 0, I64(SHAPE(2), (int64_t[]){0, INT64_C(8733086111712066817)}));
    CHECK2("add i64 wraps", IC_OP_ADD, I64(SHAPE(2), (int64_t[]){INT64_MAX, 5}), I64(SCALAR, (int64_t[]){1}),
           I64(SHAPE(2), (int64_t[]){INT64_MIN, 6}));
    CHECK2("mul i32 wraps", IC_OP_MUL, I32(SHAPE(2), (int32_t[]){65536, -3}), I32(SHAPE(2), (int32_t[]){65536, 7}),
           I32(SHAPE(2), (int32_t[]){0, -21}));
    CHECK2("sub i32 broadcast", IC_OP_SUB, I32(SHAPE(2, 1), (int32_t[]){10, 20}), I32(SHAPE(3), (int32_t[]){1, 2, 3}),
           I32(SHAPE(2, 3), (int32_t[]){9, 8, 7, 19, 18, 17}));
    CHECK2("max i64", IC_OP_MAX, I64(SHAPE(3), (int64_t[]){-5, 5, INT64_MIN}), I64(SHAPE(3), (int64_t[]){-6, 6, 0}),
           I64(SHAPE(3), (int64_t[]){-5, 6, 0}));
    CHECK2("min i32", IC_OP_MIN, I32(SHAPE(3), (int32_t[]){-5, 5, INT32_MIN}), I32(SCALAR, (int32_t[]){0}),
           I32(SHAPE(3), (int32_t[]){-5, 0, INT32_MIN}));
}

static void test_nan_propagation(void **state) {
    (void)state;
    ic_shape s = SHAPE(4);
    ic_tensor a = F32(s, (float[]){NAN, 1, 2, NAN}), b = F32(s, (float[]){0, NAN, 3, NAN});
    CHECK2("max NaN", IC_OP_MAX, a, b, F32(s, (float[]){NAN, NAN, 3, NAN}));
    CHECK2("min NaN", IC_OP_MIN, a, b, F32(s, (float[]){NAN, NAN, 2, NAN}));
    CHECK2("equal NaN", IC_OP_EQUAL, a, b, BOOL(s, (uint8_t[]){0, 0, 0, 0}));
    CHECK2("less NaN", IC_OP_LESS, a, b, BOOL(s, (uint8_t[]){0, 0, 1, 0}));
    CHECK2("greater_equal NaN", IC_OP_GREATER_EQUAL, a, b, BOOL(s, (uint8_t[]){0, 0, 0, 0}));
    ic_tensor r = F32(SHAPE(2, 3), (float[]){1, NAN, 3, -1, -2, -3});
    ic_attr ax1[] = {ic_attr_make_ints("axes", DIMS(1), 1)};
    CHECK1A("reduce_max NaN", IC_OP_REDUCE_MAX, r, ax1, F32(SHAPE(2, 1), (float[]){NAN, -1}));
    CHECK1A("reduce_min NaN", IC_OP_REDUCE_MIN, r, ax1, F32(SHAPE(2, 1), (float[]){NAN, -3}));
    CHECK1A("reduce_sum NaN", IC_OP_REDUCE_SUM, r, ax1, F32(SHAPE(2, 1), (float[]){NAN, -6}));
    CHECK1("softmax NaN row", IC_OP_SOFTMAX, r, F32(SHAPE(2, 3), (float[]){NAN, NAN, NAN, 0.665240943f, 0.244728476f, 0.0900305733f}));
    CHECK1("clip NaN", IC_OP_CLIP, a, a);
}

static void test_compare_logic(void **state) {
    (void)state;
    ic_shape s = SHAPE(3);
    ic_tensor a = F32(s, (float[]){1, 2, 3}), b = F32(SCALAR, (float[]){2});
    CHECK2("equal", IC_OP_EQUAL, a, b, BOOL(s, (uint8_t[]){0, 1, 0}));
    CHECK2("less", IC_OP_LESS, a, b, BOOL(s, (uint8_t[]){1, 0, 0}));
    CHECK2("less_equal", IC_OP_LESS_EQUAL, a, b, BOOL(s, (uint8_t[]){1, 1, 0}));
    CHECK2("greater", IC_OP_GREATER, a, b, BOOL(s, (uint8_t[]){0, 0, 1}));
    CHECK2("greater_equal", IC_OP_GREATER_EQUAL, a, b, BOOL(s, (uint8_t[]){0, 1, 1}));
    /* i64 beyond 2^53 must compare exactly */
    int64_t big = (INT64_C(1) << 53) + 1;
    CHECK2("less i64", IC_OP_LESS, I64(SHAPE(2), (int64_t[]){big - 1, big}), I64(SCALAR, (int64_t[]){big}),
           BOOL(SHAPE(2), (uint8_t[]){1, 0}));
    CHECK2("greater i32 broadcast", IC_OP_GREATER, I32(SHAPE(2, 1), (int32_t[]){0, 5}), I32(SHAPE(2), (int32_t[]){1, -1}),
           BOOL(SHAPE(2, 2), (uint8_t[]){0, 1, 1, 1}));
    CHECK2("equal u8", IC_OP_EQUAL, U8(s, (uint8_t[]){200, 3, 0}), U8(s, (uint8_t[]){200, 4, 0}), BOOL(s, (uint8_t[]){1, 0, 1}));
    ic_shape s4 = SHAPE(4);
    ic_tensor p = BOOL(s4, (uint8_t[]){0, 0, 1, 1}), q = BOOL(s4, (uint8_t[]){0, 1, 0, 1});
    CHECK2("and", IC_OP_AND, p, q, BOOL(s4, (uint8_t[]){0, 0, 0, 1}));
    CHECK2("or", IC_OP_OR, p, q, BOOL(s4, (uint8_t[]){0, 1, 1, 1}));
    CHECK2("equal bool", IC_OP_EQUAL, p, q, BOOL(s4, (uint8_t[]){1, 0, 0, 1}));
    CHECK2("and broadcast", IC_OP_AND, BOOL(SHAPE(2, 1), (uint8_t[]){0, 1}), BOOL(SHAPE(2), (uint8_t[]){1, 1}),
           BOOL(SHAPE(2, 2), (uint8_t[]){0, 0, 1, 1}));
}

static void test_where(void **state) {
    (void)state;
    ic_tensor c = BOOL(SHAPE(2, 1), (uint8_t[]){1, 0}), a = F32(SHAPE(1, 3), (float[]){1, 2, 3}),
              b = F32(SCALAR, (float[]){-1});
    check_op("where f32", IC_OP_WHERE, (ic_tensor[]){c, a, b}, 3, NULL, 0,
             F32(SHAPE(2, 3), (float[]){1, 2, 3, -1, -1, -1}), 0, 0);
    ic_tensor c2 = BOOL(SHAPE(3), (uint8_t[]){0, 1, 0});
    ic_tensor a2 = I64(SHAPE(2, 3), (int64_t[]){1, 2, 3, 4, 5, 6}), b2 = I64(SHAPE(2, 1), (int64_t[]){-7, -8});
    check_op("where i64", IC_OP_WHERE, (ic_tensor[]){c2, a2, b2}, 3, NULL, 0,
             I64(SHAPE(2, 3), (int64_t[]){-7, 2, -7, -8, 5, -8}), 0, 0);
    ic_tensor a3 = U8(SHAPE(3), (uint8_t[]){10, 20, 30}), b3 = U8(SHAPE(3), (uint8_t[]){1, 2, 3});
    check_op("where u8", IC_OP_WHERE, (ic_tensor[]){c2, a3, b3}, 3, NULL, 0, U8(SHAPE(3), (uint8_t[]){1, 20, 3}), 0, 0);
}

static void check_cast(const char *what, ic_tensor x, ic_tensor want) {
    ic_attr to[] = {ic_attr_make_string("to", ic_dtype_name(want.dtype))};
    check_op(what, IC_OP_CAST, (ic_tensor[]){x}, 1, to, 1, want, 0, 0);
}

static void test_cast(void **state) {
    (void)state;
    ic_shape s8 = SHAPE(8);
    /* float -> int: truncate toward zero, NaN -> 0, saturate */
    check_cast("f32->i32", F32(s8, (float[]){1.9f, -1.9f, NAN, 3e9f, -3e9f, INFINITY, -INFINITY, 0.5f}),
               I32(s8, (int32_t[]){1, -1, 0, INT32_MAX, INT32_MIN, INT32_MAX, INT32_MIN, 0}));
    check_cast("f32->u8", F32(SHAPE(4), (float[]){-1, 300, 255.9f, 3.7f}), U8(SHAPE(4), (uint8_t[]){0, 255, 255, 3}));
    check_cast("f32->i8", F32(SHAPE(4), (float[]){-200, 127.5f, -128.9f, -0.9f}),
               T(IC_DT_I8, SHAPE(4), (int8_t[]){-128, 127, -128, 0}));
    check_cast("f32->i64", F32(SHAPE(4), (float[]){1e19f, -1e19f, -2.5f, 1099511627776.0f}),
               I64(SHAPE(4), (int64_t[]){INT64_MAX, INT64_MIN, -2, INT64_C(1099511627776)}));
    check_cast("f32->bool", F32(SHAPE(5), (float[]){0, -0.0f, NAN, 0.1f, -3}), BOOL(SHAPE(5), (uint8_t[]){0, 0, 1, 1, 1}));
    /* int -> int wraps */
    check_cast("i64->i32", I64(SHAPE(3), (int64_t[]){(INT64_C(1) << 32) + 5, -1, INT64_C(1) << 31}),
               I32(SHAPE(3), (int32_t[]){5, -1, INT32_MIN}));
    check_cast("u8->i8", U8(SHAPE(3), (uint8_t[]){200, 127, 128}), T(IC_DT_I8, SHAPE(3), (int8_t[]){-56, 127, -128}));
    check_cast("i8->u8", T(IC_DT_I8, SHAPE(3), (int8_t[]){-1, -128, 5}), U8(SHAPE(3), (uint8_t[]){255, 128, 5}));
    check_cast("i32->bool", I32(SHAPE(3), (int32_t[]){0, -5, 2}), BOOL(SHAPE(3), (uint8_t[]){0, 1, 1}));
    check_cast("bool->i64", BOOL(SHAPE(2), (uint8_t[]){1, 0}), I64(SHAPE(2), (int64_t[]){1, 0}));
    check_cast("bool->f32", BOOL(SHAPE(2), (uint8_t[]){0, 1}), F32(SHAPE(2), (float[]){0, 1}));
    /* int -> f32 rounds once: 2^60 + 2^36 + 1 is just above a float tie, so it
     * rounds up to 2^60 + 2^37; going through double would land on the tie and
     * round down to 2^60. 2^53+1 and 2^24+1 round to even. */
    check_cast("i64->f32", I64(SHAPE(4), (int64_t[]){INT64_C(1152921573326323713), (INT64_C(1) << 53) + 1, 16777217, -3}),
               F32(SHAPE(4), (float[]){1152921642045800448.0f, 9007199254740992.0f, 16777216.0f, -3}));
    check_cast("i32->f32", I32(SHAPE(2), (int32_t[]){-7, 123456789}), F32(SHAPE(2), (float[]){-7, 123456792.0f}));
    check_cast("i32->i32", I32(SHAPE(2), (int32_t[]){-7, 9}), I32(SHAPE(2), (int32_t[]){-7, 9}));
    check_cast("empty", F32(SHAPE(0, 3), NULL), I64(SHAPE(0, 3), NULL));
}

/* Casts to and from f16/bf16 (shape.c does not admit them yet, so the result type is set by hand). */
static void check_cast_raw(const char *what, ic_tensor x, ic_dtype to_dt, const void *want_bits) {
    ic_attr to[] = {ic_attr_make_string("to", ic_dtype_name(to_dt))};
    ic_tensor got;
    ic_diag d = {0};
    if (run_raw(IC_OP_CAST, &x, 1, to, 1, to_dt, x.shape, &got, &d) != IC_OK) fail_msg("%s: %s", what, d.msg);
    size_t n = ic_tensor_numel(&x);
    for (size_t i = 0; i < n; i++) {
        if (to_dt == IC_DT_F32) {
            float g = ((float *)got.data)[i], w = ((const float *)want_bits)[i];
            if (!(g == w || (isnan(g) && isnan(w))) || signbit(g) != signbit(w))
                fail_msg("%s: element %zu: got %.9g, expected %.9g", what, i, g, w);
        } else {
            uint16_t g = ((uint16_t *)got.data)[i], w = ((const uint16_t *)want_bits)[i];
            if (g != w) fail_msg("%s: element %zu: got 0x%04x, expected 0x%04x", what, i, g, w);
        }
    }
}

static void test_cast_half(void **state) {
    (void)state;
    /* numpy: np.array([...], np.float32).astype(np.float16).view(np.uint16) */
    check_cast_raw("f32->f16",
                   F32(SHAPE(14), (float[]){1.0f, 65504, 65520, 65519.99f, 1e-8f, 6e-8f, -2.5f, 0.1f, NAN, -INFINITY,
                                            2.9802322387695312e-08f, 8.940696716308594e-08f, 6.103515625e-05f, 6.1e-05f}),
                   IC_DT_F16,
                   (uint16_t[]){0x3c00, 0x7bff, 0x7c00, 0x7bff, 0x0, 0x1, 0xc100, 0x2e66, 0x7e00, 0xfc00, 0x0, 0x2,
                                0x400, 0x3ff});
    /* numpy: np.array([...], np.uint16).view(np.float16).astype(np.float32) */
    ic_tensor h = T(IC_DT_F16, SHAPE(8), (uint16_t[]){0x3C00, 0x7BFF, 0x0001, 0x8000, 0xFC00, 0x3555, 0x03FF, 0x7C01});
    check_cast_raw("f16->f32", h, IC_DT_F32,
                   (float[]){1, 65504, 5.96046448e-08f, -0.0f, -INFINITY, 0.333251953f, 6.09755516e-05f, NAN});
    /* bf16 by hand: the top 16 bits of the f32, rounded to nearest even:
     * 0.1f = 0x3dcccccd -> 0x3dcd (rounds up); 3.14159f = 0x40490fd0 -> 0x4049;
     * 0x3f808000 is a tie with an even upper half -> 0x3f80; 0x3f818000 a tie
     * with an odd one -> 0x3f82; FLT_MAX rounds to inf. */
    uint32_t tie_even = 0x3f808000u, tie_odd = 0x3f818000u;
    float fe, fo;
    memcpy(&fe, &tie_even, 4);
    memcpy(&fo, &tie_odd, 4);
    check_cast_raw("f32->bf16", F32(SHAPE(7), (float[]){1.0f, 0.1f, 3.14159f, fe, fo, 3.40282347e38f, -0.0f}), IC_DT_BF16,
                   (uint16_t[]){0x3f80, 0x3dcd, 0x4049, 0x3f80, 0x3f82, 0x7f80, 0x8000});
    ic_tensor bh = T(IC_DT_BF16, SHAPE(4), (uint16_t[]){0x3f80, 0xc049, 0x0001, 0x7fc0});
    check_cast_raw("bf16->f32", bh, IC_DT_F32, (float[]){1.0f, -3.140625f, 9.18354962e-41f, NAN});
    check_cast_raw("i32->f16", I32(SHAPE(3), (int32_t[]){2049, 100000, -3}), IC_DT_F16, (uint16_t[]){0x6800, 0x7c00, 0xc200});
    ic_tensor h2 = T(IC_DT_F16, SHAPE(3), (uint16_t[]){0xc500, 0x7c00, 0x7e00});
    ic_attr to_i32[] = {ic_attr_make_string("to", "i32")};
    ic_tensor got;
    ic_diag d = {0};
    assert_int_equal(run_raw(IC_OP_CAST, &h2, 1, to_i32, 1, IC_DT_I32, h2.shape, &got, &d), IC_OK);
    assert_true(exact(&got, I32(SHAPE(3), (int32_t[]){-5, INT32_MAX, 0}), "f16->i32"));
}

/* ---- reductions ---------------------------------------------------------------- */

static void test_reduce(void **state) {
    (void)state;
    ic_tensor x = F32(SHAPE(2, 3, 4), red_x);
    ic_attr sum1[] = {ic_attr_make_ints("axes", DIMS(1), 1), ic_attr_make_int("keepdims", 0)};
    CHECK1A("reduce_sum axis 1", IC_OP_REDUCE_SUM, x, sum1, F32(SHAPE(2, 4), red_sum_1));
    ic_attr all[] = {ic_attr_make_int("keepdims", 0)};
    CHECK1A("reduce_sum all", IC_OP_REDUCE_SUM, x, all, F32(SCALAR, red_sum_all));
    ic_attr all_keep[] = {ic_attr_make_ints("axes", NULL, 0)};
    CHECK1A("reduce_sum empty axes keepdims", IC_OP_REDUCE_SUM, x, all_keep, F32(SHAPE(1, 1, 1), red_sum_all));
    ic_attr m02[] = {ic_attr_make_ints("axes", DIMS(0, -1), 2)};
    CHECK1A("reduce_mean axes 0,-1", IC_OP_REDUCE_MEAN, x, m02, F32(SHAPE(1, 3, 1), red_mean_02));
    ic_attr mx[] = {ic_attr_make_ints("axes", DIMS(-1), 1)};
    CHECK1A("reduce_max axis -1", IC_OP_REDUCE_MAX, x, mx, F32(SHAPE(2, 3, 1), red_max_m1));
    ic_attr mn[] = {ic_attr_make_ints("axes", DIMS(0), 1), ic_attr_make_int("keepdims", 0)};
    CHECK1A("reduce_min axis 0", IC_OP_REDUCE_MIN, x, mn, F32(SHAPE(3, 4), red_min_0));

    /* integers (hand): sum wraps in the dtype, mean truncates toward zero */
    ic_tensor xi = I32(SHAPE(2, 3), (int32_t[]){1, -2, -4, INT32_MAX, 1, 0});
    ic_attr a1[] = {ic_attr_make_ints("axes", DIMS(1), 1), ic_attr_make_int("keepdims", 0)};
    CHECK1A("reduce_sum i32", IC_OP_REDUCE_SUM, xi, a1, I32(SHAPE(2), (int32_t[]){-5, INT32_MIN}));
    CHECK1A("reduce_mean i32", IC_OP_REDUCE_MEAN, xi, a1, I32(SHAPE(2), (int32_t[]){-1, 715827882}));
    CHECK1A("reduce_max i32", IC_OP_REDUCE_MAX, xi, a1, I32(SHAPE(2), (int32_t[]){1, INT32_MAX}));
    CHECK1A("reduce_min i64", IC_OP_REDUCE_MIN, I64(SHAPE(2, 2), (int64_t[]){INT64_MIN, 3, 4, 5}), a1,
            I64(SHAPE(2), (int64_t[]){INT64_MIN, 4}));
}

/* Reducing an axis of size 0 gives the identity; reducing other axes of an empty tensor gives an empty result. */
static void test_reduce_empty(void **state) {
    (void)state;
    ic_tensor x = F32(SHAPE(2, 0, 3), NULL);
    ic_attr ax1[] = {ic_attr_make_ints("axes", DIMS(1), 1), ic_attr_make_int("keepdims", 0)};
    ic_shape s = SHAPE(2, 3);
    CHECK1A("sum over empty", IC_OP_REDUCE_SUM, x, ax1, F32(s, (float[]){0, 0, 0, 0, 0, 0}));
    CHECK1A("mean over empty", IC_OP_REDUCE_MEAN, x, ax1, F32(s, (float[]){NAN, NAN, NAN, NAN, NAN, NAN}));
    float ninf = -INFINITY, pinf = INFINITY;
    CHECK1A("max over empty", IC_OP_REDUCE_MAX, x, ax1, F32(s, (float[]){ninf, ninf, ninf, ninf, ninf, ninf}));
    CHECK1A("min over empty", IC_OP_REDUCE_MIN, x, ax1, F32(s, (float[]){pinf, pinf, pinf, pinf, pinf, pinf}));
    ic_attr ax2[] = {ic_attr_make_ints("axes", DIMS(2), 1)};
    CHECK1A("sum keeping the empty axis", IC_OP_REDUCE_SUM, x, ax2, F32(SHAPE(2, 0, 1), NULL));
    ic_attr flat[] = {ic_attr_make_int("keepdims", 0)};
    CHECK1A("i32 max over empty", IC_OP_REDUCE_MAX, I32(SHAPE(0), NULL), flat, I32(SCALAR, (int32_t[]){INT32_MIN}));
    CHECK1A("i64 mean over empty", IC_OP_REDUCE_MEAN, I64(SHAPE(0), NULL), flat, I64(SCALAR, (int64_t[]){0}));
}

static void test_global_pool(void **state) {
    (void)state;
    /* x[n,c] = 4 values; hand-computed means and maxima */
    ic_tensor x = F32(SHAPE(2, 2, 2, 2), (float[]){1, 2, 3, 4, -1, -2, -3, -4, 0, 0, 0, 8, 5, NAN, 1, 1});
    CHECK1("global_avg_pool", IC_OP_GLOBAL_AVG_POOL, x, F32(SHAPE(2, 2, 1, 1), (float[]){2.5f, -2.5f, 2, NAN}));
    CHECK1("global_max_pool", IC_OP_GLOBAL_MAX_POOL, x, F32(SHAPE(2, 2, 1, 1), (float[]){4, -1, 8, NAN}));
    ic_tensor x3 = F32(SHAPE(1, 2, 3), (float[]){1, 2, 6, -1, -5, 0});
    CHECK1("global_avg_pool 3-D", IC_OP_GLOBAL_AVG_POOL, x3, F32(SHAPE(1, 2, 1), (float[]){3, -2}));
}

/* ---- row ops ----------------------------------------------------------------------- */

static void test_softmax(void **state) {
    (void)state;
    ic_tensor x = F32(SHAPE(2, 5), sm_x);
    CHECK1("softmax default axis", IC_OP_SOFTMAX, x, F32(SHAPE(2, 5), sm_last));
    ic_attr ax0[] = {ic_attr_make_int("axis", -2)};
    CHECK1A("softmax axis -2", IC_OP_SOFTMAX, x, ax0, F32(SHAPE(2, 5), sm_first));
    ic_attr ax1[] = {ic_attr_make_int("axis", 1)};
    CHECK1A("log_softmax axis 1", IC_OP_LOG_SOFTMAX, x, ax1, F32(SHAPE(2, 5), lsm_last));
    ic_tensor big = F32(SHAPE(3), (float[]){1000, 1001, 1002});
    CHECK1("softmax large", IC_OP_SOFTMAX, big, F32(SHAPE(3), sm_big));
    CHECK1("log_softmax large", IC_OP_LOG_SOFTMAX, big, F32(SHAPE(3), lsm_big));
    /* a row of -inf is NaN (as PyTorch); one -inf among finite values is 0 */
    ic_tensor inf = F32(SHAPE(2, 2), (float[]){-INFINITY, -INFINITY, -INFINITY, 0});
    CHECK1("softmax -inf", IC_OP_SOFTMAX, inf, F32(SHAPE(2, 2), (float[]){NAN, NAN, 0, 1}));
    CHECK1("log_softmax -inf", IC_OP_LOG_SOFTMAX, inf, F32(SHAPE(2, 2), (float[]){NAN, NAN, -INFINITY, 0}));
    CHECK1("softmax empty", IC_OP_SOFTMAX, F32(SHAPE(0, 4), NULL), F32(SHAPE(0, 4), NULL));
}

static void test_layernorm(void **state) {
    (void)state;
    ic_tensor x = F32(SHAPE(2, 3, 4), ln_x), s = F32(SHAPE(4), ln_s), b = F32(SHAPE(4), ln_b);
    check_op("layernorm last", IC_OP_LAYERNORM, (ic_tensor[]){x, s, b}, 3, NULL, 0, F32(SHAPE(2, 3, 4), ln_last), RTOL,
             1e-6);
    /* over the last two dims; scale [4] broadcasts to [3,4], bias is [3,4] */
    ic_attr ax1[] = {ic_attr_make_int("axis", -2)};
    check_op("layernorm axis -2", IC_OP_LAYERNORM, (ic_tensor[]){x, s, F32(SHAPE(3, 4), ln_b34)}, 3, ax1, 1,
             F32(SHAPE(2, 3, 4), ln_axis1), RTOL, 1e-6);
    ic_attr eps[] = {ic_attr_make_float("epsilon", 1e-3)};
    check_op("layernorm plain", IC_OP_LAYERNORM, (ic_tensor[]){x}, 1, eps, 1, F32(SHAPE(2, 3, 4), ln_plain), RTOL, 1e-6);
    /* constant rows: (x-mean) is 0, so the result is the bias */
    ic_tensor c = F32(SHAPE(1, 2), (float[]){3, 3});
    check_op("layernorm constant row", IC_OP_LAYERNORM, (ic_tensor[]){c, F32(SHAPE(2), (float[]){2, 2}),
             F32(SHAPE(2), (float[]){0.5f, -1})}, 3, NULL, 0, F32(SHAPE(1, 2), (float[]){0.5f, -1}), 0, 0);
}

static void test_batchnorm(void **state) {
    (void)state;
    ic_shape p = SHAPE(3);
    ic_tensor ins[] = {F32(SHAPE(2, 3, 2, 2), bn_x), F32(p, bn_s), F32(p, bn_b), F32(p, bn_m), F32(p, bn_v)};
    ic_attr eps[] = {ic_attr_make_float("epsilon", 1e-3)};
    check_op("batchnorm", IC_OP_BATCHNORM, ins, 5, eps, 1, F32(SHAPE(2, 3, 2, 2), bn_y), RTOL, ATOL);
    /* rank 2, default epsilon: (x - 1) / sqrt(3 + 1e-5) * 2 + 0.5 (hand) */
    ic_tensor one = F32(SHAPE(1), (float[]){1});
    ic_tensor ins2[] = {F32(SHAPE(2, 1), (float[]){1, 4}), F32(SHAPE(1), (float[]){2}), F32(SHAPE(1), (float[]){0.5f}), one,
                        F32(SHAPE(1), (float[]){3})};
    check_op("batchnorm 2-D", IC_OP_BATCHNORM, ins2, 5, NULL, 0,
             F32(SHAPE(2, 1), (float[]){0.5f, (float)(3.0 / sqrt(3.00001) * 2 + 0.5)}), RTOL, ATOL);
}

/* ---- views and data movement -------------------------------------------------------- */

static void test_views(void **state) {
    (void)state;
    int64_t v[6] = {1, -2, 3, -4, 5, INT64_MIN};
    ic_tensor x = I64(SHAPE(2, 1, 3), v);
    ic_attr rs[] = {ic_attr_make_ints("shape", DIMS(0, -1), 2)};
    CHECK1A("reshape 0,-1", IC_OP_RESHAPE, x, rs, I64(SHAPE(2, 3), v));
    ic_attr sq[] = {ic_attr_make_ints("axes", DIMS(-2), 1)};
    CHECK1A("squeeze -2", IC_OP_SQUEEZE, x, sq, I64(SHAPE(2, 3), v));
    CHECK1("squeeze all", IC_OP_SQUEEZE, x, I64(SHAPE(2, 3), v));
    ic_attr usq[] = {ic_attr_make_ints("axes", DIMS(0, -1), 2)};
    CHECK1A("unsqueeze 0,-1", IC_OP_UNSQUEEZE, x, usq, I64(SHAPE(1, 2, 1, 3, 1), v));
    CHECK1("flatten default", IC_OP_FLATTEN, x, I64(SHAPE(2, 3), v));
    ic_attr fl0[] = {ic_attr_make_int("axis", 0)};
    CHECK1A("flatten 0", IC_OP_FLATTEN, x, fl0, I64(SHAPE(1, 6), v));
    ic_attr rs_u8[] = {ic_attr_make_ints("shape", DIMS(3, 2), 2)};
    CHECK1A("reshape bool", IC_OP_RESHAPE, BOOL(SHAPE(6), (uint8_t[]){1, 0, 0, 1, 1, 1}), rs_u8,
            BOOL(SHAPE(3, 2), (uint8_t[]){1, 0, 0, 1, 1, 1}));
    CHECK1A("reshape empty", IC_OP_RESHAPE, F32(SHAPE(0, 6), NULL), (ic_attr[]){ic_attr_make_ints("shape", DIMS(3, -1, 2), 3)},
            F32(SHAPE(3, 0, 2), NULL));
}

static void test_transpose(void **state) {
    (void)state;
    /* x = arange(24).reshape(2,3,4); x.transpose(2,0,1) */
    float x[24];
    for (int i = 0; i < 24; i++) x[i] = (float)i;
    ic_attr perm[] = {ic_attr_make_ints("perm", DIMS(2, 0, 1), 3)};
    CHECK1A("transpose 2,0,1", IC_OP_TRANSPOSE, F32(SHAPE(2, 3, 4), x), perm,
            F32(SHAPE(4, 2, 3), (float[]){0, 4, 8, 12, 16, 20, 1, 5, 9, 13, 17, 21, 2, 6, 10, 14, 18, 22, 3, 7, 11, 15, 19, 23}));
    /* default perm reverses; u8 data */
    CHECK1("transpose default", IC_OP_TRANSPOSE, U8(SHAPE(2, 3), (uint8_t[]){1, 2, 3, 4, 5, 6}),
           U8(SHAPE(3, 2), (uint8_t[]){1, 4, 2, 5, 3, 6}));
    ic_attr p2[] = {ic_attr_make_ints("perm", DIMS(1, 0), 2)};
    CHECK1A("transpose i64", IC_OP_TRANSPOSE, I64(SHAPE(1, 3), (int64_t[]){7, 8, 9}), p2, I64(SHAPE(3, 1), (int64_t[]){7, 8, 9}));
    CHECK1A("transpose empty", IC_OP_TRANSPOSE, F32(SHAPE(0, 3), NULL), p2, F32(SHAPE(3, 0), NULL));
}

static void test_expand(void **state) {
    (void)state;
    ic_attr sh[] = {ic_attr_make_ints("shape", DIMS(2, 1, 4), 3)};
    ic_tensor x = I32(SHAPE(3, 1), (int32_t[]){1, 2, 3});
    CHECK1A("expand [3,1] to [2,3,4]", IC_OP_EXPAND, x, sh,
            I32(SHAPE(2, 3, 4), (int32_t[]){1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3}));
    ic_attr sh2[] = {ic_attr_make_ints("shape", DIMS(2, 2), 2)};
    CHECK1A("expand scalar", IC_OP_EXPAND, F32(SCALAR, (float[]){1.5f}), sh2, F32(SHAPE(2, 2), (float[]){1.5f, 1.5f, 1.5f, 1.5f}));
    ic_attr sh3[] = {ic_attr_make_ints("shape", DIMS(1), 1)};
    CHECK1A("expand keeps a bigger input", IC_OP_EXPAND, BOOL(SHAPE(2), (uint8_t[]){1, 0}), sh3, BOOL(SHAPE(2), (uint8_t[]){1, 0}));
}

static void test_slice(void **state) {
    (void)state;
    int32_t r[10];
    for (int i = 0; i < 10; i++) r[i] = i;
    ic_tensor x = I32(SHAPE(10), r);
    /* numpy: x[-3:100] */
    ic_attr a1[] = {ic_attr_make_ints("starts", DIMS(-3), 1), ic_attr_make_ints("ends", DIMS(100), 1)};
    CHECK1A("slice -3:100", IC_OP_SLICE, x, a1, I32(SHAPE(3), (int32_t[]){7, 8, 9}));
    /* numpy: x[8:1:-3] */
    ic_attr a2[] = {ic_attr_make_ints("starts", DIMS(8), 1), ic_attr_make_ints("ends", DIMS(1), 1),
                    ic_attr_make_ints("steps", DIMS(-3), 1)};
    CHECK1A("slice 8:1:-3", IC_OP_SLICE, x, a2, I32(SHAPE(3), (int32_t[]){8, 5, 2}));
    /* ONNX: start 100 clamps to 9, end -100 to -1: the whole axis reversed (numpy x[::-1]) */
    ic_attr a3[] = {ic_attr_make_ints("starts", DIMS(100), 1), ic_attr_make_ints("ends", DIMS(-100), 1),
                    ic_attr_make_ints("steps", DIMS(-1), 1)};
    CHECK1A("slice reversed", IC_OP_SLICE, x, a3, I32(SHAPE(10), (int32_t[]){9, 8, 7, 6, 5, 4, 3, 2, 1, 0}));
    ic_attr a4[] = {ic_attr_make_ints("starts", DIMS(5), 1), ic_attr_make_ints("ends", DIMS(2), 1)};
    CHECK1A("slice empty", IC_OP_SLICE, x, a4, I32(SHAPE(0), NULL));
    /* a step of INT64_MAX picks one element (shape.c's count overflows here, so the type is set by hand) */
    ic_attr a5[] = {ic_attr_make_ints("starts", DIMS(1), 1), ic_attr_make_ints("ends", DIMS(INT64_MAX), 1),
                    ic_attr_make_ints("steps", DIMS(INT64_MAX), 1)};
    check_raw("slice huge step", IC_OP_SLICE, &x, 1, a5, 3, I32(SHAPE(1), (int32_t[]){1}));

    /* y = arange(12).reshape(3,4): axes [1,0], starts [-1,0], ends [-5,3], steps [-2,2]
     * numpy: y[0:3:2, 3::-2] = [[3,1],[11,9]] */
    float y[12];
    for (int i = 0; i < 12; i++) y[i] = (float)i;
    ic_attr b[] = {ic_attr_make_ints("starts", DIMS(-1, 0), 2), ic_attr_make_ints("ends", DIMS(-5, 3), 2),
                   ic_attr_make_ints("axes", DIMS(1, 0), 2), ic_attr_make_ints("steps", DIMS(-2, 2), 2)};
    CHECK1A("slice 2-D", IC_OP_SLICE, F32(SHAPE(3, 4), y), b, F32(SHAPE(2, 2), (float[]){3, 1, 11, 9}));
    /* negative axis; u8 data; numpy: z[:, 1:3] */
    ic_attr c[] = {ic_attr_make_ints("starts", DIMS(1), 1), ic_attr_make_ints("ends", DIMS(3), 1),
                   ic_attr_make_ints("axes", DIMS(-1), 1)};
    CHECK1A("slice axis -1", IC_OP_SLICE, U8(SHAPE(2, 3), (uint8_t[]){1, 2, 3, 4, 5, 6}), c,
            U8(SHAPE(2, 2), (uint8_t[]){2, 3, 5, 6}));
}

/* ONNX clamps a negative-step start to [0, dim-1]: on [0..4], start -10
 * (-> -5 -> 0) and end -100 (-> -1) select element 0. shape.c clamps that start
 * to -1 (numpy's rule) and infers 0 elements, so the result type is set here. */
static void test_slice_onnx_start_clamp(void **state) {
    (void)state;
    ic_tensor x = I64(SHAPE(5), (int64_t[]){10, 11, 12, 13, 14});
    ic_attr a[] = {ic_attr_make_ints("starts", DIMS(-10), 1), ic_attr_make_ints("ends", DIMS(-100), 1),
                   ic_attr_make_ints("steps", DIMS(-1), 1)};
    ic_tensor got;
    ic_diag d = {0};
    assert_int_equal(run_raw(IC_OP_SLICE, &x, 1, a, 3, IC_DT_I64, SHAPE(1), &got, &d), IC_OK);
    assert_true(exact(&got, I64(SHAPE(1), (int64_t[]){10}), "slice clamp"));
}

static void test_concat(void **state) {
    (void)state;
    ic_tensor a = F32(SHAPE(2, 1), (float[]){1, 2}), b = F32(SHAPE(2, 2), (float[]){3, 4, 5, 6}), e = F32(SHAPE(2, 0), NULL);
    ic_attr ax[] = {ic_attr_make_int("axis", -1)};
    check_op("concat axis -1", IC_OP_CONCAT, (ic_tensor[]){a, e, b}, 3, ax, 1, F32(SHAPE(2, 3), (float[]){1, 3, 4, 2, 5, 6}), 0, 0);
    ic_attr ax0[] = {ic_attr_make_int("axis", 0)};
    check_op("concat axis 0 i64", IC_OP_CONCAT,
             (ic_tensor[]){I64(SHAPE(1, 2), (int64_t[]){1, 2}), I64(SHAPE(2, 2), (int64_t[]){3, 4, 5, 6})}, 2, ax0, 1,
             I64(SHAPE(3, 2), (int64_t[]){1, 2, 3, 4, 5, 6}), 0, 0);
    check_op("concat one input", IC_OP_CONCAT, (ic_tensor[]){a}, 1, ax0, 1, a, 0, 0);
    /* middle axis: numpy np.concatenate([p, q], axis=1) for p = [[[1,2]],[[3,4]]], q = [[[5,6],[7,8]],[[9,10],[11,12]]] */
    ic_tensor p = U8(SHAPE(2, 1, 2), (uint8_t[]){1, 2, 3, 4}), q = U8(SHAPE(2, 2, 2), (uint8_t[]){5, 6, 7, 8, 9, 10, 11, 12});
    ic_attr ax1[] = {ic_attr_make_int("axis", 1)};
    check_op("concat axis 1 u8", IC_OP_CONCAT, (ic_tensor[]){p, q}, 2, ax1, 1,
             U8(SHAPE(2, 3, 2), (uint8_t[]){1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12}), 0, 0);
}

/* Runs a split node with n_out results. */
static void check_split(const char *what, ic_tensor x, const ic_attr *attrs, uint32_t n_attrs, uint32_t n_out,
                        const ic_tensor *want) {
    uint32_t id;
    ic_graph *g = graph_with_inputs(&x, 1, &id);
    uint32_t node = ic_graph_add_node(g, IC_OP_SPLIT, &id, 1, n_out, attrs, n_attrs);
    ic_diag d = {0};
    if (ic_infer_node(g, node, &d) != IC_OK) fail_msg("%s: %s", what, d.msg);
    for (uint32_t k = 0; k < n_out; k++) add_output(g, g->nodes[node].outputs[k]);
    ic_tensor outs[4];
    if (run_graph(g, &x, outs, &d) != IC_OK) fail_msg("%s: %s", what, d.msg);
    for (uint32_t k = 0; k < n_out; k++) assert_true(ic_test_allclose(&outs[k], &want[k], 0, 0, what));
    ic_graph_destroy(g);
}

static void test_split(void **state) {
    (void)state;
    /* x = arange(10).reshape(5,2): equal parts of ceil(5/3) = 2 rows, the last smaller */
    int32_t r[10];
    for (int i = 0; i < 10; i++) r[i] = i;
    ic_tensor x = I32(SHAPE(5, 2), r);
    check_split("split default", x, NULL, 0, 3,
                (ic_tensor[]){I32(SHAPE(2, 2), (int32_t[]){0, 1, 2, 3}), I32(SHAPE(2, 2), (int32_t[]){4, 5, 6, 7}),
                              I32(SHAPE(1, 2), (int32_t[]){8, 9})});
    ic_attr a[] = {ic_attr_make_int("axis", -1), ic_attr_make_ints("sizes", DIMS(1, 0, 1), 3)};
    check_split("split sizes axis -1", x, a, 2, 3,
                (ic_tensor[]){I32(SHAPE(5, 1), (int32_t[]){0, 2, 4, 6, 8}), I32(SHAPE(5, 0), NULL),
                              I32(SHAPE(5, 1), (int32_t[]){1, 3, 5, 7, 9})});
    ic_attr b[] = {ic_attr_make_ints("sizes", DIMS(4, 1), 2)};
    check_split("split f32", F32(SHAPE(5), (float[]){1, 2, 3, 4, 5}), b, 1, 2,
                (ic_tensor[]){F32(SHAPE(4), (float[]){1, 2, 3, 4}), F32(SHAPE(1), (float[]){5})});
}

static void test_gather(void **state) {
    (void)state;
    /* data = arange(6).reshape(3,2) (u8); indices [[2,-3],[1,-1]] along 0 -> shape [2,2,2] */
    ic_tensor data = U8(SHAPE(3, 2), (uint8_t[]){0, 1, 2, 3, 4, 5});
    check_op("gather axis 0", IC_OP_GATHER, (ic_tensor[]){data, I64(SHAPE(2, 2), (int64_t[]){2, -3, 1, -1})}, 2, NULL, 0,
             U8(SHAPE(2, 2, 2), (uint8_t[]){4, 5, 0, 1, 2, 3, 4, 5}), 0, 0);
    /* along axis -1 with i32 indices: numpy np.take(data, [1,0,1], axis=1) */
    ic_attr ax[] = {ic_attr_make_int("axis", -1)};
    check_op("gather axis -1", IC_OP_GATHER, (ic_tensor[]){data, I32(SHAPE(3), (int32_t[]){1, 0, 1})}, 2, ax, 1,
             U8(SHAPE(3, 3), (uint8_t[]){1, 0, 1, 3, 2, 3, 5, 4, 5}), 0, 0);
    /* scalar index drops the axis */
    check_op("gather scalar index", IC_OP_GATHER, (ic_tensor[]){F32(SHAPE(3, 2), (float[]){0, 1, 2, 3, 4, 5}),
             I64(SCALAR, (int64_t[]){-2})}, 2, NULL, 0, F32(SHAPE(2), (float[]){2, 3}), 0, 0);
    check_op("gather no indices", IC_OP_GATHER, (ic_tensor[]){data, I64(SHAPE(0), NULL)}, 2, NULL, 0,
             U8(SHAPE(0, 2), NULL), 0, 0);
}

static void test_gather_out_of_range(void **state) {
    (void)state;
    ic_tensor ins[] = {F32(SHAPE(5), (float[]){1, 2, 3, 4, 5}), I64(SHAPE(2), (int64_t[]){1, 7})};
    ic_tensor out = {.data = (void *)&out}; /* must come back zeroed */
    ic_diag d = {0};
    assert_int_equal(run_op(IC_OP_GATHER, ins, 2, NULL, 0, &out, &d), IC_ERR_RUNTIME);
    assert_non_null(strstr(d.msg, "gather: index 7 out of range for axis 0 of size 5"));
    assert_null(out.data);
    ic_tensor ins2[] = {ins[0], I32(SHAPE(1), (int32_t[]){-6})};
    assert_int_equal(run_op(IC_OP_GATHER, ins2, 2, NULL, 0, &out, &d), IC_ERR_RUNTIME);
    assert_non_null(strstr(d.msg, "index -6 out of range"));
}

/* ---- library ops ----------------------------------------------------------------------- */

static void test_matmul(void **state) {
    (void)state;
    ic_tensor a = F32(SHAPE(2, 1, 2, 3), mm_a), b = F32(SHAPE(3, 3, 2), mm_b), v = F32(SHAPE(3), mm_v);
    CHECK2("matmul broadcast batch", IC_OP_MATMUL, a, b, F32(SHAPE(2, 3, 2, 2), mm_y));
    CHECK2("matmul 1-D @ 3-D", IC_OP_MATMUL, v, b, F32(SHAPE(3, 2), mm_vb));
    CHECK2("matmul 4-D @ 1-D", IC_OP_MATMUL, a, v, F32(SHAPE(2, 1, 2), mm_av));
    CHECK2("matmul 1-D @ 1-D", IC_OP_MATMUL, v, v, F32(SCALAR, mm_vv));
    /* hand: [[1,2],[3,4]] @ [[5,6],[7,8]] = [[19,22],[43,50]] */
    CHECK2("matmul 2-D", IC_OP_MATMUL, F32(SHAPE(2, 2), (float[]){1, 2, 3, 4}), F32(SHAPE(2, 2), (float[]){5, 6, 7, 8}),
           F32(SHAPE(2, 2), (float[]){19, 22, 43, 50}));
    /* K = 0 gives zeros; M = 0 gives an empty result */
    CHECK2("matmul K=0", IC_OP_MATMUL, F32(SHAPE(2, 0), NULL), F32(SHAPE(0, 3), NULL), F32(SHAPE(2, 3), NULL));
    CHECK2("matmul M=0", IC_OP_MATMUL, F32(SHAPE(0, 2), NULL), F32(SHAPE(2, 3), NULL), F32(SHAPE(0, 3), NULL));
}

static void test_gemm(void **state) {
    (void)state;
    ic_tensor a = F32(SHAPE(3, 2), gm_a), b = F32(SHAPE(4, 3), gm_b);
    ic_attr t[] = {ic_attr_make_int("trans_a", 1), ic_attr_make_int("trans_b", 1), ic_attr_make_float("alpha", 0.5),
                   ic_attr_make_float("beta", 2)};
    check_op("gemm trans alpha beta c[N]", IC_OP_GEMM, (ic_tensor[]){a, b, F32(SHAPE(4), gm_c)}, 3, t, 4,
             F32(SHAPE(2, 4), gm_y), RTOL, ATOL);
    check_op("gemm c[M,1]", IC_OP_GEMM, (ic_tensor[]){a, b, F32(SHAPE(2, 1), gm_c2)}, 3, t, 2, F32(SHAPE(2, 4), gm_y2),
             RTOL, ATOL);
    check_op("gemm no c", IC_OP_GEMM, (ic_tensor[]){a, b}, 2, t, 2, F32(SHAPE(2, 4), gm_y3), RTOL, ATOL);
    /* hand: [[1,2],[3,4]] @ [[1,0],[0,1]] * 2 + 1 (scalar c) */
    ic_attr al[] = {ic_attr_make_float("alpha", 2)};
    check_op("gemm scalar c", IC_OP_GEMM,
             (ic_tensor[]){F32(SHAPE(2, 2), (float[]){1, 2, 3, 4}), F32(SHAPE(2, 2), (float[]){1, 0, 0, 1}),
                           F32(SCALAR, (float[]){1})},
             3, al, 1, F32(SHAPE(2, 2), (float[]){3, 5, 7, 9}), 0, 0);
}

static void test_conv2d(void **state) {
    (void)state;
    check_op("conv2d plain", IC_OP_CONV2D,
             (ic_tensor[]){F32(SHAPE(1, 2, 5, 5), cv1_x), F32(SHAPE(3, 2, 3, 3), cv1_w), F32(SHAPE(3), cv1_b)}, 3, NULL, 0,
             F32(SHAPE(1, 3, 3, 3), cv1_y), RTOL, 1e-6);
    /* groups 2, strides [2,1], pads top 1 left 0 bottom 2 right 1, dilations [2,1] */
    ic_attr a[] = {ic_attr_make_ints("strides", DIMS(2, 1), 2), ic_attr_make_ints("pads", DIMS(1, 0, 2, 1), 4),
                   ic_attr_make_ints("dilations", DIMS(2, 1), 2), ic_attr_make_int("group", 2)};
    check_op("conv2d group stride dilation pads", IC_OP_CONV2D,
             (ic_tensor[]){F32(SHAPE(2, 4, 7, 6), cv2_x), F32(SHAPE(6, 2, 3, 2), cv2_w), F32(SHAPE(6), cv2_b)}, 3, a, 4,
             F32(SHAPE(2, 6, 3, 6), cv2_y), RTOL, 1e-6);
    /* depthwise, no bias */
    ic_attr dw[] = {ic_attr_make_ints("pads", DIMS(1, 1, 1, 1), 4), ic_attr_make_int("group", 3)};
    check_op("conv2d depthwise", IC_OP_CONV2D, (ic_tensor[]){F32(SHAPE(1, 3, 4, 4), cv3_x), F32(SHAPE(3, 1, 3, 3), cv3_w)},
             2, dw, 2, F32(SHAPE(1, 3, 4, 4), cv3_y), RTOL, 1e-6);
    /* hand: 1x1 kernel = per-pixel channel mix, with an empty batch too */
    ic_tensor x = F32(SHAPE(1, 2, 1, 2), (float[]){1, 2, 10, 20}), w = F32(SHAPE(1, 2, 1, 1), (float[]){1, -1});
    check_op("conv2d 1x1", IC_OP_CONV2D, (ic_tensor[]){x, w}, 2, NULL, 0, F32(SHAPE(1, 1, 1, 2), (float[]){-9, -18}), 0, 0);
    check_op("conv2d empty batch", IC_OP_CONV2D, (ic_tensor[]){F32(SHAPE(0, 2, 1, 2), NULL), w}, 2, NULL, 0,
             F32(SHAPE(0, 1, 1, 2), NULL), 0, 0);
}

/* x = arange(16).reshape(1,1,4,4) */
static ic_tensor arange_4x4(void) {
    float v[16];
    for (int i = 0; i < 16; i++) v[i] = (float)i;
    return F32(SHAPE(1, 1, 4, 4), v);
}

static void test_avg_pool(void **state) {
    (void)state;
    ic_tensor x = arange_4x4();
    /* kernel 3, stride 2, pads 1: windows rows/cols {0,1} and {1,2,3} (worked by hand) */
    ic_attr a[] = {ic_attr_make_ints("kernel", DIMS(3, 3), 2), ic_attr_make_ints("strides", DIMS(2, 2), 2),
                   ic_attr_make_ints("pads", DIMS(1, 1, 1, 1), 4)};
    CHECK1A("avg_pool", IC_OP_AVG_POOL2D, x, a, F32(SHAPE(1, 1, 2, 2), (float[]){2.5f, 4, 8.5f, 10}));
    ic_attr b[] = {a[0], a[1], a[2], ic_attr_make_int("count_include_pad", 1)};
    CHECK1A("avg_pool count_include_pad", IC_OP_AVG_POOL2D, x, b,
            F32(SHAPE(1, 1, 2, 2), (float[]){10.f / 9, 24.f / 9, 51.f / 9, 10}));
    /* ceil_mode adds a third window starting at 3 (rows/cols {3}) */
    ic_attr c[] = {a[0], a[1], a[2], ic_attr_make_int("ceil_mode", 1)};
    CHECK1A("avg_pool ceil_mode", IC_OP_AVG_POOL2D, x, c,
            F32(SHAPE(1, 1, 3, 3), (float[]){2.5f, 4, 5, 8.5f, 10, 11, 12.5f, 14, 15}));
    /* with count_include_pad the divisor stops at the padded edge (H + pad = 5):
     * the last window counts 2 rows (3 and the pad row 4), not 3 */
    ic_attr e[] = {a[0], a[1], a[2], ic_attr_make_int("ceil_mode", 1), ic_attr_make_int("count_include_pad", 1)};
    CHECK1A("avg_pool ceil_mode count_include_pad", IC_OP_AVG_POOL2D, x, e,
            F32(SHAPE(1, 1, 3, 3),
                (float[]){10.f / 9, 24.f / 9, 10.f / 6, 51.f / 9, 10, 33.f / 6, 25.f / 6, 42.f / 6, 15.f / 4}));
    /* asymmetric pads: top 0, left 1, bottom 1, right 0, kernel 2, stride 2
     * rows {0,1},{2,3}; cols {0},{1,2}; the bottom pad is never reached */
    ic_attr f[] = {ic_attr_make_ints("kernel", DIMS(2, 2), 2), ic_attr_make_ints("strides", DIMS(2, 2), 2),
                   ic_attr_make_ints("pads", DIMS(0, 1, 1, 0), 4)};
    CHECK1A("avg_pool asymmetric pads", IC_OP_AVG_POOL2D, x, f,
            F32(SHAPE(1, 1, 2, 2), (float[]){(0 + 4) / 2.f, (1 + 2 + 5 + 6) / 4.f, (8 + 12) / 2.f, (9 + 10 + 13 + 14) / 4.f}));
}

static void test_max_pool(void **state) {
    (void)state;
    ic_tensor x = arange_4x4();
    ic_attr a[] = {ic_attr_make_ints("kernel", DIMS(2, 2), 2), ic_attr_make_ints("strides", DIMS(2, 2), 2)};
    CHECK1A("max_pool 2x2/2", IC_OP_MAX_POOL2D, x, a, F32(SHAPE(1, 1, 2, 2), (float[]){5, 7, 13, 15}));
    /* 5x5 = arange(25): kernel 2, stride 2, ceil_mode: a third window {4} */
    float v[25];
    for (int i = 0; i < 25; i++) v[i] = (float)i;
    ic_tensor x5 = F32(SHAPE(1, 1, 5, 5), v);
    ic_attr c[] = {a[0], a[1], ic_attr_make_int("ceil_mode", 1)};
    CHECK1A("max_pool ceil_mode", IC_OP_MAX_POOL2D, x5, c,
            F32(SHAPE(1, 1, 3, 3), (float[]){6, 8, 9, 16, 18, 19, 21, 23, 24}));
    /* pads 1 with ceil_mode: a 4th window would start at 5, in the bottom padding,
     * and is dropped: windows {0}, {1,2}, {3,4} */
    ic_attr p[] = {a[0], a[1], ic_attr_make_ints("pads", DIMS(1, 1, 1, 1), 4), ic_attr_make_int("ceil_mode", 1)};
    CHECK1A("max_pool ceil_mode drops a padding window", IC_OP_MAX_POOL2D, x5, p,
            F32(SHAPE(1, 1, 3, 3), (float[]){0, 2, 4, 10, 12, 14, 20, 22, 24}));
    /* dilation 2, stride 1: rows {i, i+2} */
    ic_attr d[] = {a[0], ic_attr_make_ints("dilations", DIMS(2, 2), 2)};
    CHECK1A("max_pool dilation", IC_OP_MAX_POOL2D, x5, d, F32(SHAPE(1, 1, 3, 3), (float[]){12, 13, 14, 17, 18, 19, 22, 23, 24}));
    /* padding never wins: all negative input */
    ic_tensor neg = F32(SHAPE(1, 1, 2, 2), (float[]){-4, -3, -2, -1});
    ic_attr q[] = {ic_attr_make_ints("kernel", DIMS(2, 2), 2), ic_attr_make_ints("pads", DIMS(1, 1, 1, 1), 4)};
    CHECK1A("max_pool negative with pads", IC_OP_MAX_POOL2D, neg, q,
            F32(SHAPE(1, 1, 3, 3), (float[]){-4, -3, -3, -2, -1, -1, -2, -1, -1}));
    /* NaN propagates to every window holding it */
    ic_tensor n = F32(SHAPE(1, 1, 2, 3), (float[]){1, NAN, 2, 3, 4, 5});
    ic_attr k2[] = {ic_attr_make_ints("kernel", DIMS(1, 2), 2)};
    CHECK1A("max_pool NaN", IC_OP_MAX_POOL2D, n, k2, F32(SHAPE(1, 1, 2, 2), (float[]){NAN, NAN, 4, 5}));
    /* random data: kernel [3,2], strides 2, pads [1,0,1,1], dilations [2,1], ceil_mode (numpy maxpool()) */
    ic_attr r[] = {ic_attr_make_ints("kernel", DIMS(3, 2), 2), ic_attr_make_ints("strides", DIMS(2, 2), 2),
                   ic_attr_make_ints("pads", DIMS(1, 0, 1, 1), 4), ic_attr_make_ints("dilations", DIMS(2, 1), 2),
                   ic_attr_make_int("ceil_mode", 1)};
    CHECK1A("max_pool numpy", IC_OP_MAX_POOL2D, F32(SHAPE(1, 2, 7, 6), mp_x), r, F32(SHAPE(1, 2, 3, 3), mp_y));
}

/* ---- whole graphs and errors ------------------------------------------------------------ */

/* y0 = relu(x + c) * x, y1 = x (an input), y2 = c (a constant), y3 = an intermediate also read later */
static void test_graph(void **state) {
    (void)state;
    ic_graph *g;
    ic_diag d = {0};
    assert_int_equal(ic_graph_create(NULL, "g", &g), IC_OK);
    ic_shape s = SHAPE(2, 2);
    uint32_t x = ic_graph_add_input(g, "x", IC_DT_F32, &s);
    ic_shape s2 = SHAPE(2);
    uint32_t c = ic_graph_add_constant(g, "c", IC_DT_F32, &s2, (float[]){1, -10});
    uint32_t sum = ic_graph_build(g, IC_OP_ADD, (uint32_t[]){x, c}, 2, NULL, 0, &d);
    uint32_t r = ic_graph_build(g, IC_OP_RELU, &sum, 1, NULL, 0, &d);
    uint32_t y = ic_graph_build(g, IC_OP_MUL, (uint32_t[]){r, x}, 2, NULL, 0, &d);
    uint32_t dead = ic_graph_build(g, IC_OP_EXP, &x, 1, NULL, 0, &d); /* never read: freed at once */
    assert_true(y != IC_NONE && dead != IC_NONE);
    add_output(g, y);
    add_output(g, x);
    add_output(g, c);
    add_output(g, sum);
    ic_tensor in = F32(s, (float[]){1, 2, 3, 20});
    ic_tensor outs[4];
    if (run_graph(g, &in, outs, &d) != IC_OK) fail_msg("%s", d.msg);
    assert_true(exact(&outs[0], F32(s, (float[]){2, 0, 12, 200}), "y"));
    assert_true(ic_test_allclose(&outs[1], &in, 0, 0, "x"));
    assert_true(exact(&outs[2], F32(SHAPE(2), (float[]){1, -10}), "c"));
    assert_true(exact(&outs[3], F32(s, (float[]){2, -8, 4, 10}), "sum"));
    assert_ptr_not_equal(outs[1].data, in.data); /* outputs are copies */
    ic_graph_destroy(g);
}

/* A constant written as inline attributes (data NULL) is decoded from them. */
static void test_constant_attrs(void **state) {
    (void)state;
    ic_graph *g;
    assert_int_equal(ic_graph_create(NULL, "g", &g), IC_OK);
    ic_attr iv[] = {ic_attr_make_ints("ivalue", DIMS(4, -5, 6), 3)};
    uint32_t node = ic_graph_add_node(g, IC_OP_CONSTANT, NULL, 0, 1, iv, 1);
    uint32_t v = g->nodes[node].outputs[0];
    g->values[v].dtype = IC_DT_I32;
    g->values[v].shape = SHAPE(3);
    add_output(g, v);
    ic_tensor out;
    ic_diag d = {0};
    if (ic_interp_run(g, NULL, &out, &d) != IC_OK) fail_msg("%s", d.msg);
    track(out.data);
    assert_true(exact(&out, I32(SHAPE(3), (int32_t[]){4, -5, 6}), "ivalue"));
    ic_graph_destroy(g);
}

static void test_input_mismatch(void **state) {
    (void)state;
    ic_graph *g;
    ic_diag d = {0};
    assert_int_equal(ic_graph_create(NULL, "g", &g), IC_OK);
    ic_shape s = SHAPE(2, 3);
    uint32_t x = ic_graph_add_input(g, "x", IC_DT_F32, &s);
    add_output(g, ic_graph_build(g, IC_OP_NEG, &x, 1, NULL, 0, &d));
    ic_tensor out = {0};
    ic_tensor bad_type = I32(s, NULL);
    assert_int_equal(ic_interp_run(g, &bad_type, &out, &d), IC_ERR_USAGE);
    assert_non_null(strstr(d.msg, "x"));
    assert_non_null(strstr(d.msg, "expected f32[2,3], got i32[2,3]"));
    ic_tensor bad_shape = F32(SHAPE(3, 2), NULL);
    assert_int_equal(ic_interp_run(g, &bad_shape, &out, &d), IC_ERR_USAGE);
    assert_non_null(strstr(d.msg, "expected f32[2,3], got f32[3,2]"));
    ic_tensor bad_rank = F32(SHAPE(6), NULL);
    assert_int_equal(ic_interp_run(g, &bad_rank, &out, &d), IC_ERR_USAGE);
    assert_non_null(strstr(d.msg, "got f32[6]"));
    assert_int_equal(ic_interp_run(g, NULL, &out, &d), IC_ERR_USAGE);
    assert_null(out.data);
    ic_graph_destroy(g);
}

/* Dtypes the kernels do not handle are IC_ERR_UNSUPPORTED naming the op, not a crash. */
static void test_unsupported(void **state) {
    (void)state;
    ic_tensor out;
    ic_diag d = {0};
    ic_tensor xi = I32(SHAPE(2), (int32_t[]){1, 2});
    assert_int_equal(run_raw(IC_OP_EXP, &xi, 1, NULL, 0, IC_DT_I32, SHAPE(2), &out, &d), IC_ERR_UNSUPPORTED);
    assert_non_null(strstr(d.msg, "exp"));
    ic_tensor xb = BOOL(SHAPE(2), (uint8_t[]){1, 0});
    assert_int_equal(run_raw(IC_OP_ADD, (ic_tensor[]){xb, xb}, 2, NULL, 0, IC_DT_BOOL, SHAPE(2), &out, &d),
                     IC_ERR_UNSUPPORTED);
    assert_non_null(strstr(d.msg, "add"));
    assert_int_equal(run_raw(IC_OP_MATMUL, (ic_tensor[]){xi, xi}, 2, NULL, 0, IC_DT_I32, SCALAR, &out, &d),
                     IC_ERR_UNSUPPORTED);
    assert_non_null(strstr(d.msg, "matmul"));
    ic_tensor h = T(IC_DT_F16, SHAPE(2), NULL);
    assert_int_equal(run_raw(IC_OP_REDUCE_SUM, &h, 1, NULL, 0, IC_DT_F16, SHAPE(1), &out, &d), IC_ERR_UNSUPPORTED);
    assert_non_null(strstr(d.msg, "reduce_sum"));
    /* a result shape that disagrees with the kernel's own arithmetic is refused */
    ic_tensor x5 = F32(SHAPE(5), NULL);
    assert_int_equal(run_raw(IC_OP_TRANSPOSE, &x5, 1, NULL, 0, IC_DT_F32, SHAPE(6), &out, &d), IC_ERR_INVALID);
    assert_int_equal(run_raw(IC_OP_ADD, (ic_tensor[]){x5, F32(SHAPE(3), NULL)}, 2, NULL, 0, IC_DT_F32, SHAPE(5), &out, &d),
                     IC_ERR_INVALID);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_unary_f32, free_tracked),
        cmocka_unit_test_teardown(test_unary_special, free_tracked),
        cmocka_unit_test_teardown(test_unary_int, free_tracked),
        cmocka_unit_test_teardown(test_binary_broadcast, free_tracked),
        cmocka_unit_test_teardown(test_binary_int, free_tracked),
        cmocka_unit_test_teardown(test_nan_propagation, free_tracked),
        cmocka_unit_test_teardown(test_compare_logic, free_tracked),
        cmocka_unit_test_teardown(test_where, free_tracked),
        cmocka_unit_test_teardown(test_cast, free_tracked),
        cmocka_unit_test_teardown(test_cast_half, free_tracked),
        cmocka_unit_test_teardown(test_reduce, free_tracked),
        cmocka_unit_test_teardown(test_reduce_empty, free_tracked),
        cmocka_unit_test_teardown(test_global_pool, free_tracked),
        cmocka_unit_test_teardown(test_softmax, free_tracked),
        cmocka_unit_test_teardown(test_layernorm, free_tracked),
        cmocka_unit_test_teardown(test_batchnorm, free_tracked),
        cmocka_unit_test_teardown(test_views, free_tracked),
        cmocka_unit_test_teardown(test_transpose, free_tracked),
        cmocka_unit_test_teardown(test_expand, free_tracked),
        cmocka_unit_test_teardown(test_slice, free_tracked),
        cmocka_unit_test_teardown(test_slice_onnx_start_clamp, free_tracked),
        cmocka_unit_test_teardown(test_concat, free_tracked),
        cmocka_unit_test_teardown(test_split, free_tracked),
        cmocka_unit_test_teardown(test_gather, free_tracked),
        cmocka_unit_test_teardown(test_gather_out_of_range, free_tracked),
        cmocka_unit_test_teardown(test_matmul, free_tracked),
        cmocka_unit_test_teardown(test_gemm, free_tracked),
        cmocka_unit_test_teardown(test_conv2d, free_tracked),
        cmocka_unit_test_teardown(test_avg_pool, free_tracked),
        cmocka_unit_test_teardown(test_max_pool, free_tracked),
        cmocka_unit_test_teardown(test_graph, free_tracked),
        cmocka_unit_test_teardown(test_constant_attrs, free_tracked),
        cmocka_unit_test_teardown(test_input_mismatch, free_tracked),
        cmocka_unit_test_teardown(test_unsupported, free_tracked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
