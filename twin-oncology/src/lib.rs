//! # twin-oncology
//!
//! Oncology twins. Each disease lives in its own module:
//!
//! * [`breast`] — metastatic breast cancer under chemotherapy, endocrine and
//!   HER2-targeted therapy: tumour-growth-inhibition models (Simeoni 2004,
//!   Claret 2009/2014, Stein 2008, Gompertz with Norton–Simon kill, resistant
//!   subclone), drug PK dosed in mg/m², Friberg 2002 myelosuppression with
//!   CTCAE grades, RECIST 1.1 progression, one patient's calibrated twin and
//!   regimen ranking; and a relapse twin for early breast cancer validated on
//!   the Rotterdam cohort against a Cox model, externally on GBSG2 and with a
//!   genomic covariate on GSE7390.
//!
//! * [`glioma`] — glioblastoma under radiotherapy (± temozolomide):
//!   proliferation–invasion on the MNI152 atlas (white/grey diffusion, CSF
//!   barrier), linear–quadratic cell kill per voxel, T1Gd/FLAIR visibility
//!   thresholds, calibration to ≥ 2 segmentations (D_white, ρ, seed origin,
//!   onset with intervals), Days Gained (Neal 2013) of each schedule with 95 %
//!   prediction intervals, α updated from a post-treatment scan; the PREDICT-GBM
//!   benchmark's interface and plan-coverage metric ([`glioma::benchmark`]);
//!   trial emulation of virtual cohorts ([`glioma::trial`]).
//!
//! ## Glioblastoma trials reproduced (`tests/glioma_trial.rs`)
//! Virtual cohorts of 2,000 per arm (radial proliferation–invasion model, LQ kill,
//! temozolomide log-kill modulated by MGMT, RANO-volume progression on 3-monthly
//! scans, pseudoprogression on the first post-radiotherapy scan, salvage therapy at
//! progression for 60.5 % of patients, death at a lethal T1-Gd volume). **Fitted**
//! (`cargo run --release --example gbm_trial_fit`, 8 values to 8 targets on the test
//! cohort, ½Σz² = 0.22; standard errors from the reported 95 % intervals): Stupp 2005 and Hegi 2005 median OS, the age hazard ratio of
//! Abedi 2021, Stupp's median PFS in both arms and the survival after progression of
//! treated patients (Franceschi 2015). **Held out**: everything else below. Model
//! values with 95 % intervals in the test output.
//!
//! | trial, arm | endpoint | reported | model | verdict |
//! |---|---|---|---|---|
//! | Stupp 2005 RT / RT + TMZ | median OS, months | 12.1 / 14.6 | 12.1 / 14.6 | fitted |
//! | Hegi 2005 methylated RT / RT + TMZ | median OS | 15.3 / 21.7 | 14.9 / 22.1 | fitted |
//! | Stupp 2005 RT / RT + TMZ | median PFS | 5.0 / 6.9 | 5.1 / 6.6 | fitted |
//! | Franceschi 2015 | survival after progression, treated | 8.6 (7.4–9.8) | 8.5 | fitted |
//! | Alnahhas 2020 (pooled phase III) RT + TMZ, unmethylated / methylated | median PFS | 4.99 (4.25–5.72) / 9.51 (7.41–11.61) | 5.1 / 13.7 | unmethylated inside CI; methylated **miss** (+44 %) |
//! | Stupp 2005 | OS hazard ratio | 0.63 (0.52–0.75) | 0.71 (0.66–0.75) | inside CI |
//! | Stupp 2005 | PFS hazard ratio | 0.54 (0.45–0.64) | 0.451 (0.421–0.483) | on the CI's lower edge (partly fitted: both medians are) |
//! | Stupp 2009 RT | 2-year OS | 10.9 % (7.6–14.8) | 13.3 % | inside CI |
//! | Stupp 2009 RT + TMZ | 2-year / 5-year OS | 27.2 / 9.8 % | 23.9 / 1.9 % | **miss** (few long-term survivors) |
//! | supportive care after recurrence | survival after progression, untreated | 3.1 | 5.1 / 4.2 (Stupp arms) | **miss** (+65 / +35 %) |
//! | Hegi 2005 | TMZ gain methylated vs unmethylated | large vs small | 7.2 vs 0.5 months | MGMT modulates TMZ |
//! | Roa 2004 60 Gy/30 / 40 Gy/15 | median OS | 5.1 / 5.6 | 7.9 / 7.7 | **miss** (see below) |
//! | Roa 2004 | 6-month OS, 40/15 − 60/30 | −3.0 points (lower 95 % bound −13.7) | −1.7 | above Roa's bound |
//! | Roa 2004 | hazard ratio, 40 Gy/15 | none (p = 0.57) | 1.03 (0.96–1.09) | no difference |
//! | Perry 2017 RT 40 Gy/15 / + TMZ | median OS | 7.6 / 9.3 | 7.3 / 10.2 | within 20 % |
//! | Perry 2017 | OS hazard ratio | 0.67 (0.56–0.80) | 0.68 (0.64–0.72) | inside CI |
//! | Perry 2017 RT / + TMZ | median PFS | 3.9 / 5.3 | 4.3 / 6.6 | RT within 20 %; + TMZ **miss** (+24 %) |
//! | Perry 2017 | PFS hazard ratio | 0.50 (0.41–0.60) | 0.44 (0.41–0.47) | inside CI |
//! | Perry 2017 methylated / unmethylated + TMZ | median OS | 13.5 / 10.0 | 15.3 / 7.0 | unmethylated **miss** (−30 %) |
//! | Perry 2017 methylated / unmethylated, RT alone | median OS | 7.7 / 7.9 | 9.1 / 6.3 | methylated within 20 % (+18 %); unmethylated **miss** (−20.2 %): see below |
//! | ANOCEF 2007 (≥ 70, KPS ≥ 70) supportive care / RT 50 Gy | median OS | 3.9 / 6.7 | 5.5 / 7.4 | RT within 20 %; supportive care **miss** (+41 %) |
//! | ANOCEF 2007 | OS hazard ratio, RT | 0.47 (0.29–0.76) | 0.56 (0.53–0.60) | inside CI |
//!
//! ANOCEF (Keime-Guibert et al. 2007, NEJM 356:1527) was added on 2026-12-06, after
//! every fit, as the one trial at hand with an untreated arm; its baseline table was not
//! found, so surgery and MGMT are Perry's (`data/trials/README.md`); the miss does not
//! hang on that split (one-off runs with 50 / 70 % biopsied: supportive care 5.4 / 5.3
//! months, radiotherapy 7.4 / 7.2, HR 0.56 / 0.57). Its miss points the
//! same way as the untreated survival after recurrence and Roa's elderly arms: untreated,
//! or old and frail, the model's patients live too long — death comes only from tumour
//! burden, and nothing in the model stands for performance status.
//!
//! **Roa against the other elderly radiotherapy arms.** The same 40 Gy/15 course gave
//! 5.6 months in Roa 2004 (age ≥ 60, treated 1996–2001) and 7.6 in Perry 2017 (age ≥ 65,
//! median 73, published 13 years later); ANOCEF's 50 Gy arm (age ≥ 70) gave
//! 6.7. The model is within 20 % of both held-out arms whose patients are older than
//! Roa's (Perry 7.3, ANOCEF 7.4) and, since its older patients die sooner (Abedi's hazard
//! ratio, fitted), gives Roa's younger cohort the longer survival (7.7 / 7.9). What makes
//! Roa's patients die two months sooner than Perry's on the same course is not in what
//! the abstracts report and the model sees (age, regimen, surgery — Roa's assumed split
//! even has more biopsies): calendar era (supportive care, imaging, treatment at
//! progression) and selection are the candidates; neither is modelled, so Roa stays a
//! miss rather than a fitted target.
//!
//! **MGMT under radiotherapy alone.** The model makes methylated tumours more
//! radiosensitive (α × 4.64, FITTED to Hegi 2005's radiotherapy-alone methylated arm,
//! 15.3 months; Rivera et al. 2010 found methylation predictive of response to
//! radiotherapy alone), so in Perry's radiotherapy arm it gives methylated patients 9.1
//! months and unmethylated 6.3, where Perry reported 7.7 and 7.9; a meta-analysis of 66
//! studies found no prognostic value of methylation without temozolomide (OS HR 0.97,
//! 0.91–1.03; Zhao et al. 2018, Front Neurol 9:127, abstract). Tried and not kept
//! (2026-12-07, after seeing the MGMT misses): α × 1 for every tumour, the other seven
//! values refitted to the same eight targets (`gbm_trial_fit` with that value fixed,
//! 2,554 s, ½Σz² 0.29 against 0.22; Hegi's radiotherapy-alone methylated arm 14.6
//! months, the salvage therapy's MGMT factor carrying the gap). It brought Alnahhas's
//! methylated PFS inside its interval (11.4 months against 9.51, 7.41–11.61; now 13.7)
//! and Perry's radiotherapy arm closer by MGMT (8.2 / 6.6), but sent both PFS hazard
//! ratios out (Stupp 0.37 against 0.45–0.64, Perry 0.38 against 0.41–0.60), left
//! Perry's unmethylated temozolomide arm a miss (7.2 against 10.0) and lengthened the
//! untreated survival after progression (5.8 / 4.5 against 3.1): one miss fewer, two
//! more. Perry's unmethylated gain from temozolomide (7.9 → 10.0) may partly belong to
//! tumours near the assay's cut-off: a reanalysis of CE.6 with a stricter cut-off found
//! no benefit in truly unmethylated tumours (Hegi et al. 2024, Neuro-Oncology 26:1867,
//! abstract); the model's unmethylated tumours are Hegi 2005's.
//!
//! The link from burden to progression and death, and why it took salvage: with the α
//! prior of the atlas twin and no salvage (the previous version), the uniform radiotherapy
//! kill took the whole enhancing region below the T1-Gd threshold, recurrences were seen
//! close to the lethal burden and death followed within ~3 months — the survival of
//! untreated recurrences (3.1 months) — whereas trial patients lived ~7 months after
//! progression because most were treated again. PFS was then missed by 60–90 % (Stupp
//! 8.6 / 11.3, Perry 7.3 / 9.8 months) and a population α multiplier fitted to Stupp's PFS
//! needed a lethal volume of 398–464 cm³. With salvage (fraction from a recurrent-
//! glioblastoma series, kill fitted to Franceschi's treated survival after progression
//! and scaled by the tumour's MGMT factor, as second-line chemotherapy is mostly
//! alkylating) the α multiplier fits at 0.11 with a lethal volume of 267 cm³ at age 56
//! (the classical rule is 113 cm³), and Roa's fractionation effect and Perry's
//! radiotherapy PFS come out right without being fitted.
//!
//! Why pseudoprogression: without it the temozolomide arms' PFS hazard ratios were far
//! too strong (Stupp 0.36, Perry 0.33; Perry's temozolomide PFS 7.6 months against 5.3):
//! methylated tumours are held static through the six adjuvant cycles, so the model saw
//! no early progression in them, whereas the trials of the Macdonald era recorded the
//! enlargement that chemoradiation causes on the first scan — most often in methylated
//! tumours (Brandes et al. 2008: 21 of 36 methylated, 11 of 67 unmethylated; Gerstner
//! et al. 2009: 11 of 47 after radiotherapy alone). Those rates are taken as published;
//! only the fraction of them recorded as progression is fitted (0.376, to Stupp's
//! temozolomide-arm PFS, which thereby moved from held out to fitted). It was added
//! after those misses had been seen; Perry's PFS then came out inside without being
//! fitted (the temozolomide arm's only until its concomitant course was corrected from
//! 19 doses, to the last fraction, to Perry's published 21 days: 6.1 → 6.6 months, a
//! miss; OS 10.2 unchanged, OS hazard ratio 0.68). A recorded pseudoprogression
//! changes only the PFS record (treatment goes on), so overall survival is untouched. The temozolomide arm's Kaplan–Meier PFS crosses
//! 50 % between two scan visits, so its median is ill-conditioned: the same fit on
//! 1,500 patients per arm (recorded fraction 0.383, methylated temozolomide factor 4.0
//! against 4.8 now) gave, on the 2,000-patient cohort, a temozolomide PFS of 5.7
//! months, a PFS hazard ratio of 0.47 and a methylated PFS of 11.4 (both inside), and a
//! first fit on the test cohort with assumed PFS standard errors 0.44 and 13.9 (both
//! out); the fit is therefore run on the test cohort itself, and whether those two fall
//! inside is within fit-to-fit variation. A first version with an
//! MGMT-independent salvage kill (committed, then replaced) fitted worse (½Σz² 1.51;
//! Hegi methylated RT 12.3 months). Not modelled: clinical (non-radiological)
//! progression, performance status. Performance status alone would not close Roa's gap
//! at the published hazard: KPS < 70 carries a relative risk of death of 1.53
//! (1.23–1.90) after radiotherapy (Strahlenther Onkol 2003, 179:8, 415 patients); with
//! Roa's median KPS of 70 (Cochrane review CD011475) at most half its patients were
//! below 70, and an exponential approximation then lowers 7.9 months to no less than
//! 7.9 / (0.5 + 0.5 × 1.53) = 6.2 — still 22 % above 5.1. Nor would treatment at
//! progression alone: Roa's patients were treated in 1996–2001, before temozolomide,
//! and its salvage rates were not found; with none in either arm the model gives 6.9 /
//! 6.5 months (60 Gy/30 still +35 %, 40 Gy/15 within 20 %; a one-off run with
//! `salvage_at_progression: false`, not committed as a spec). Between 7 % (Stupp) and
//! 29 % (Perry, temozolomide arm) of virtual patients die before a scan records
//! progression (`AfterProgression::death_first_fraction`). Scans fall in a ± 14-day
//! visit window per patient, so medians are not pinned to scan days.
//!
//! Temozolomide kills for at most six adjuvant cycles (GEINO 14-01: 12 cycles no better
//! than 6). This cap was added after a first Perry run over-predicted the temozolomide
//! arm (12.8 months, HR 0.46); its value is GEINO's, not fitted to Perry.
//!
//! ## Breast relapse twin on real data (examples `breast_relapse`, `breast_genomic`; asserted in `tests/breast_relapse_external.rs`)
//! Mechanistic cure model ([`breast::relapse::model`]) vs a Cox model on the same
//! covariates, both fitted on the same patients; paired bootstrap 95 % CIs.
//! Nothing below was tuned to the test sets.
//!
//! | fitted on → scored on | metric | twin | Cox | twin − Cox |
//! |---|---|---|---|---|
//! | Rotterdam ≤ 1988 → 1989–93 (1,425) | Harrell C | 0.697 [0.676, 0.718] | 0.685 | +0.012 [+0.001, +0.023] |
//! | Rotterdam ≤ 1988 → 1989–93 | calibration slope (5 y) | 1.20 [1.06, 1.35] | 1.26 | −0.06 [−0.13, 0.00] |
//! | all Rotterdam → GBSG2 (686, external) | Harrell C | 0.690 [0.664, 0.719] | 0.674 | +0.016 [+0.005, +0.026] |
//! | all Rotterdam → GBSG2 | Brier (5 y; null 0.250) | 0.230 [0.207, 0.251] | 0.226 | +0.004 [−0.002, +0.010] |
//! | all Rotterdam → GBSG2 | calibration slope (5 y) | 0.94 [0.78, 1.11] | 1.03 | both in 0.8–1.2: not recalibrated |
//!
//! GSE7390 (198 patients, 51 distant metastases; `cargo run --release --example
//! breast_genomic`, 5 × 5-fold CV): Harrell C 0.642 [0.564, 0.717] clinical-only vs
//! 0.680 [0.610, 0.747] with the ridge-Cox score of the 76 probe sets; difference
//! +0.038 [−0.005, +0.083] — a gain whose CI includes 0 at n = 198. Calibration
//! slopes under CV are 0.58–0.79 (over-fitting of 5–6 coefficients on ~40 events
//! per training fold), reported, not corrected.
//!
//! ## Metastatic breast trials (`breast::trial`; `tests/breast_trial.rs`)
//! A population of Claret-model tumours (closed form), each agent with its own kill rate
//! and log-normal patient sensitivity, biomarker requirements (HER2, HR, PIK3CA, germline
//! BRCA), ESR1 and endocrine cross-resistance, dose intensity, acquired resistance carried
//! into a rechallenge, the triple-negative subtype (TNBCtype-4) on cytotoxic kill; RECIST
//! progression seen at the trial's scans (patient-specific scan phase); 5,000 virtual
//! patients per arm from the baseline table. The subtype multipliers (BL1 2.18, BL2 1.09,
//! M 0.71, LAR 0.35) are bridged from pCR odds ratios after neoadjuvant docetaxel +
//! carboplatin (Echavarria 2018, Clin Cancer Res 24:1845) to response odds ratios on a
//! reference docetaxel cohort (`breast::trial::bridge`); for an unprofiled first-line
//! triple-negative profile the docetaxel forecast is 7.2 months, 10.9 for BL1 and 4.8 for
//! LAR. Ki-67 scales the endocrine kill: groups < 10 / 10–25 / > 25 % get multipliers
//! 1.95 / 1.05 / 0.83, set so that the median progression time on a first-line aromatase
//! inhibitor, group over unknown, equals the group's median time to progression over the
//! pooled median in Delpech et al. 2012 (Breast Cancer Res Treat 135:619; 241 patients:
//! 20.3 / 10.8 / 8.0 months, pooled 10.1 from exponential group curves, an assumption).
//! Held out of that fit, the same cohort's clinical-benefit odds ratio low vs high: model
//! 2.30, reported 3.59 (1.36–9.43), inside. Forecast (first-line HR+, aromatase inhibitor
//! alone): 24.1 months for Ki-67 5 %, 12.3 unknown, 10.0 for 40 %. Ki-67 does not shift
//! chemotherapy: the GeparTrio pCR gradient (4.2 / 12.9 / 29.0 %, an ASCO abstract) came
//! without group sizes, so it could not be bridged. **Fitted**
//! (`cargo run --release --example breast_trial_fit`, one value per named arm): E2100
//! paclitaxel arm (growth rate and paclitaxel: median PFS and response rate), AVADO both
//! arms (docetaxel, bevacizumab) and its HR (sensitivity spread), M77001 both arms (HER2
//! growth multiplier, trastuzumab), FALCON both arms (aromatase inhibitor, fulvestrant),
//! MONALEESA-2's ribociclib arm (CDK4/6), its letrozole arm's response rate (the
//! oestrogen-receptor axis's resistance rate, jointly with the aromatase inhibitor's kill
//! on FALCON) and its HR (the axis's sensitivity spread, see below), PALOMA-3
//! fulvestrant arm (endocrine-resistant share), MONARCH-1 (CDK4/6 inhibitor without an
//! acting endocrine partner, × 0.74), SOLAR-1
//! PIK3CA-mutant alpelisib arm, RIBBON-1 capecitabine arm, OlympiAD both arms
//! (chemotherapy-line factor: cytotoxic kill × 0.22 per earlier line; olaparib), ASCENT
//! sacituzumab arm, DESTINY-Breast04 HR-positive cohort's trastuzumab deruxtecan arm
//! (HER2-low), DESTINY-Breast03 both arms (trastuzumab emtansine; trastuzumab
//! deruxtecan's multiplier in HER2-positive tumours, 4.29: held out first, the HER2-low
//! effect forecast 7.4 months against the reported 28.8, so it does not transfer across
//! HER2 levels). **Held out**: the rest. Verdicts: median within 20 %, HR inside the
//! published 95 % CI. The sensitivity spread is weakly identified (AVADO's HR moves little
//! with it): a different random stream gave ω 0.95 instead of 1.45 and moved some
//! held-out medians by up to 20 %.
//!
//! The oestrogen-receptor axis (aromatase inhibitor, fulvestrant, CDK4/6 and PI3Kα
//! inhibitors) is its own drug class (issue 18), with its own sensitivity spread and its
//! own resistance rate; every other agent shares the chemotherapy values. With one class
//! (the previous version) the CDK4/6 trials' medians were right but their hazard
//! ratios too weak (MONALEESA-2 0.75, PALOMA-2 0.72, MONARCH-3 0.75), and every
//! first-line endocrine arm responded at 0.8–1.0 (reported ~0.4): the endocrine kill had
//! to be large and to wane at the chemotherapy λ, so tumours shrank deeply and regrew.
//! Now the axis's resistance rate (0.0021/day, a tenth of chemotherapy's) is fitted with
//! the aromatase inhibitor's kill so that the kill reproduces FALCON's anastrozole median
//! (13.8 months) and MONALEESA-2's letrozole arm responds at 37.1 %, and the axis's
//! spread (1.20) to MONALEESA-2's HR: endocrine therapy holds most tumours stable for
//! long rather than shrinking them fast. A slowly waning CDK4/6 kill then held the
//! endocrine-resistant tumours of pretreated cohorts for years (PALOMA-3's palbociclib
//! arm 17.7 months vs 11.2), so a CDK4/6 inhibitor without an acting endocrine partner
//! keeps a fitted fraction of its kill (0.74, MONARCH-1's abemaciclib-alone median PFS
//! 6.0 months; its response rate, held out, 0.19 vs 19.7 % (13.3–27.5 %)).
//!
//! **Which arm fits the aromatase inhibitor.** Until this version its kill came from
//! MONALEESA-2's letrozole arm (16.0 months), the longest of the four first-line
//! aromatase-inhibitor arms at hand (PALOMA-2 14.5, MONARCH-3 14.8, FALCON 13.8). That
//! left FALCON, the one head-to-head trial of an aromatase inhibitor and fulvestrant, a
//! miss (anastrozole 16.6 months, HR 1.01 against 0.80 (0.64–1.00)), the axis's spread
//! at an implausibly narrow 0.12, every CDK4/6 combination over-responding (0.72–0.74
//! against 0.53–0.61) and MONARCH-1's response at 0.04. With the kill from FALCON's
//! anastrozole arm (a change made after seeing those misses, so FALCON's HR and the
//! response rates below are no longer clean hold-outs): FALCON HR 0.89, the spread 1.20,
//! combination responses 0.61–0.62, MONARCH-1's 0.19; MONALEESA-2's letrozole arm is now
//! a held-out **miss** (12.5 months, −22 %), PALOMA-3's palbociclib arm moves further out
//! (15.5 vs 11.2; was 14.2). MONARCH-3,
//! MONALEESA-3 and MONARCH-2 were added as held-out trials before any of this, and run on
//! both versions (the one-class values in `tests/breast_trial.rs`); the without-endocrine
//! factor was added after seeing PALOMA-3's and MONARCH-2's results, so those two are no
//! longer clean hold-outs. Tried and not kept: one spread for all agents fitted jointly
//! to AVADO's and MONALEESA-2's HRs (0.61) moved the CDK4/6 HRs inside their CIs but sent
//! ASCENT's and DESTINY-Breast04's HR-negative HRs out (0.29, 0.21) and made almost every
//! chemotherapy patient a responder. Also tried and not kept: triple-negative tumours
//! growing 2.34 × faster (the doubling-time ratio of untreated primaries, Ryu et al.
//! 2014, Eur Radiol 24:2227), every value refitted: ASCENT's physician's-choice arm
//! came inside 20 % (2.0 vs 1.7 months), DESTINY-Breast04's HR-positive control matched
//! (5.4) and PALOMA-3's palbociclib arm too (11.9 vs 11.2), but ASCENT's HR left its CI
//! (0.25 vs 0.32–0.52), DESTINY-Breast04's HR-negative trastuzumab deruxtecan arm fell
//! out of 20 % (5.7 vs 8.5), MONARCH-2's abemaciclib arm too (11.6 vs 16.4) and
//! DESTINY-Breast04's HR-positive HR stayed out (0.3998, below 0.40–0.64): as many misses as
//! before, so the simpler model stays. The axis's spread is weakly identified (with the
//! chemotherapy λ its best fit, 0.18, never reached MONALEESA-2's HR).
//!
//! | trial (held out) | arm / effect | reported | model | verdict |
//! |---|---|---|---|---|
//! | CLEOPATRA | docetaxel + trastuzumab / + pertuzumab | 12.4 / 18.5 | 10.1 / 20.2 | within 20 % (−18 %, +9 %) |
//! | CLEOPATRA | PFS HR | 0.62 (0.51–0.75) | 0.60 | inside CI |
//! | E2100 | paclitaxel + bevacizumab | 11.8 (independent review 11.3) | 8.1 | **miss** (−32 %; −28 % against the independent review) — see below |
//! | E2100 | PFS HR | 0.60 (0.51–0.70) | 0.66 | inside CI |
//! | PALOMA-2 | letrozole / + palbociclib | 14.5 / 24.8 | 13.2 / 26.3 | within 20 % (−9 %, +6 %) |
//! | PALOMA-2 | PFS HR | 0.58 (0.46–0.72) | 0.54 | inside CI (one class: 0.72, a miss; weak hold-out) |
//! | PALOMA-2 | response, measurable disease (Rugo 2019, translated secondary source) | 0.444 / 0.553 | 0.36 / 0.62 | |
//! | MONARCH-3 (chosen before the refit) | NSAI / + abemaciclib | 14.76 / 28.18 | 12.8 / 25.8 | within 20 % (−13 %, −8 %) |
//! | MONARCH-3 | PFS HR | 0.540 (0.418–0.698) | 0.59 | inside CI (one class: 0.75, a miss) |
//! | MONARCH-3 | response, measurable disease | 0.455 / 0.61 | 0.37 / 0.61 | (one class: 0.81 / 0.92) |
//! | MONALEESA-2 (ribociclib arm and HR fitted) | letrozole | 16.0 | 12.5 | **miss** (−22 %) |
//! | MONALEESA-2 | response + ribociclib (letrozole's fitted) | 0.527 | 0.62 | over-predicted |
//! | MONALEESA-3 (chosen before the refit) | fulvestrant / + ribociclib | 12.8 / 20.5 | 8.0 / 21.7 | control **miss** (−37 %); ribociclib within 20 % |
//! | MONALEESA-3 | PFS HR | 0.593 (0.480–0.732) | 0.57 | inside CI |
//! | MONARCH-2 (chosen before the refit) | fulvestrant / + abemaciclib | 9.3 / 16.4 | 4.6 / 15.2 | control **miss** (−51 %); abemaciclib within 20 % (−7 %) |
//! | MONARCH-2 | PFS HR | 0.553 (0.449–0.681) | 0.55 | inside CI |
//! | MONARCH-2 | response, measurable disease | 0.213 / 0.481 | 0.24 / 0.43 | (one class: 0.33 / 0.60) |
//! | SOLAR-1 PIK3CA-mutant | fulvestrant | 5.7 | 4.6 | **miss** (−20 %) |
//! | SOLAR-1 PIK3CA-mutant | PFS HR | 0.65 (0.50–0.85) | 0.65 | inside CI (one class: 0.49, a miss) |
//! | SOLAR-1 PIK3CA-mutant | response, measurable disease | 0.162 / 0.357 | 0.23 / 0.35 | |
//! | SOLAR-1 non-mutant | fulvestrant / + alpelisib | 5.6 / 7.4 | 4.7 / 4.7 | alpelisib arm **miss** (−37 %) |
//! | SOLAR-1 non-mutant | PFS HR | 0.85 (0.58–1.25) | 1.00 | inside CI (no effect without PIK3CA) |
//! | TAX 311 (one earlier line, assumed) | paclitaxel 175 q3w / docetaxel 100 q3w | 3.6 / 5.7 | 3.8 / 5.1 | within 20 % |
//! | TAX 311 | HR docetaxel vs paclitaxel | 0.61 (0.50–0.75) | 0.65 | inside CI |
//! | paclitaxel label, breast study, 175 mg/m² 3-h (`tests/breast_toxicity.rs`; paclitaxel's neutrophil slope FITTED to its grade 4) | worst-course neutrophils < 0.5 / < 2.0 × 10⁹/L | 28 / 90 % (n = 229) | 28.0 / 90.7 % | grade 4 fitted; < 2.0 inside its 95 % interval |
//! | Gradishar 2005's paclitaxel arm, 175 mg/m² 3-h (nab-paclitaxel label's comparator; held out) | < 0.5 / < 2.0 × 10⁹/L | 22 / 82 % (n = 225) | 28.0 / 90.7 % | **miss** (both above the 95 % intervals, 16.6–27.4 / 77.0–87.0 %): the two studies of one regimen differ by 6 / 8 points, and the model sits at the one it was fitted to |
//! | same study, 135 mg/m² (held out) | < 0.5 / < 2.0 × 10⁹/L | 19 / 81 % (n = 229) | 12.6 / 79.5 % | < 2.0 inside; grade 4 **miss** (below 13.9–24.1 %) |
//! | TAX 311 (marrow model held out) | grade ≥ 3 neutropenia, 4 cycles, docetaxel / paclitaxel | "greater for docetaxel" (93.3 / 54.5 % recalled, unverified) | 0.910 / 0.607 | direction right, the gap's lower 95 % bound above 0 (with Friberg's leukocyte slope for paclitaxel: 0.98 / 0.38) |
//! | RIBBON-1 capecitabine | + bevacizumab; HR | 8.6; 0.69 (0.56–0.84) | 7.8; 0.67 | within 20 %, inside CI |
//! | ASCENT | physician's choice; HR | 1.7; 0.41 (0.32–0.52) | 2.7; 0.37 | arm **miss** (even with no kill the model's median is 2.7), HR inside CI |
//! | FALCON (both arms fitted) | HR | 0.80 (0.64–1.00) | 0.89 | inside CI (AI fitted to MONALEESA-2: 1.01, a miss) |
//! | MONARCH-1 (median fitted) | response, abemaciclib alone | 0.197 (0.133–0.275) | 0.19 | inside CI (AI fitted to MONALEESA-2: 0.04) |
//! | PALOMA-3 | + palbociclib; HR | 11.2; 0.50 (0.40–0.62) | 15.5; 0.53 | arm **miss** (+38 %; one class: 9.7), HR inside CI |
//! | DESTINY-Breast04 HR+ (T-DXd arm fitted) | physician's choice; HR | 5.4; 0.51 (0.40–0.64) | 3.4; 0.25 | **miss** (the line factor weakens 1.4 earlier lines too much) |
//! | DESTINY-Breast03 (both arms fitted) | PFS HR | 0.33 (0.26–0.43) | 0.37 | inside CI |
//! | DESTINY-Breast04 HR− (exploratory, n = 58) | physician's choice / T-DXd; HR | 2.9 / 8.5; 0.46 (0.24–0.89) | 3.3 / 9.7; 0.25 | within 20 % (+15 %, +14 %), inside CI |
//!
//! **Neutropenia on paclitaxel.** The paclitaxel slope of Friberg et al. 2002 (28.9 L/µmol)
//! was estimated on leukocytes with leukocyte system parameters (DDMORE DDMODEL00000186);
//! applied to neutrophils with Kloft 2006's system parameters it gave grade 4 to 13 % of
//! patients on 175 mg/m² over 3 h, against the label's 28 %. The slope is now fitted to
//! that 28 % (factor 1.284, [`breast::friberg`]), with paclitaxel's published clearance
//! variability in the virtual population ([`breast::toxicity`]) and in the per-patient
//! twin's forecasts of a drug not yet seen in the patient's counts ([`breast::twin`]); the
//! same table's 135 mg/m² arm is the hold-out: its grade ≥ 1 share is inside, its grade-4
//! share a miss (the model's dose response is steeper than the label's). Docetaxel's marrow
//! values are Kloft's, unchanged: in the same virtual population (six cycles of 100 mg/m²,
//! Ozawa 2007's clearance variability) 78.3 % reach grade 4 and 99.2 % fall below 2.0 ×
//! 10⁹/L (printed by `tax311_neutropenia_gap`), against 84 % and 98 % for breast-cancer
//! patients with normal liver function as a secondary source quotes the docetaxel label
//! (the label itself was not read, so the test asserts only that docetaxel's share is above
//! paclitaxel's). The Friberg feedback is now read on counts floored at 0.01 × 10⁹/L, which
//! stopped an overflow in deeply neutropenic virtual patients. A different schedule, not
//! fitted: weekly paclitaxel 80 mg/m² over 1 h for 12 weeks gives grade ≥ 3 in 17.5 % and
//! grade 4 in 1.7 % of 2,000 virtual patients (`pt.breast_neutropenia`); Perez et al. 2001
//! (J Clin Oncol 19:4216, abstract as quoted by a secondary page) report grade 3/4
//! haematological toxicity in 15 % of 211 patients on weekly 80 mg/m², all blood toxicity
//! and an unknown number of weeks, so a comparison, not a test.
//!
//! **Why E2100's bevacizumab arm misses.** E2100's gain from bevacizumab is the
//! largest of the first-line trials: 5.9 months (5.9 → 11.8; by independent review 5.8 →
//! 11.3, HR 0.48 (0.385–0.607), Gray et al. 2009, J Clin Oncol 27:4966), against 1.9 in
//! AVADO (8.1 → 10.0 with 15 mg/kg, stratified analysis; Miles et al. 2010, J Clin Oncol
//! 28:3239) and 2.9 / 1.2 in RIBBON-1's capecitabine / taxane–anthracycline cohorts
//! (Robert et al. 2011, J Clin Oncol 29:1252); the pooled analysis of the three trials
//! gives 6.7 → 9.2 months, HR 0.64 (0.57–0.71) (Miles et al. 2013, Ann Oncol 24:2773).
//! FDA's 2010 advisory briefing judged that AVADO and RIBBON-1 "failed to confirm the
//! magnitude" of E2100's gain (as reported in the trade press; the briefing itself was
//! not read). The model's bevacizumab effect is one kill rate whatever the partner,
//! fitted to AVADO; it reproduces the bevacizumab arm of RIBBON-1's capecitabine cohort
//! and E2100's hazard ratio (both held out) but not E2100's median, whose ratio to the
//! control arm (2.0) is far above AVADO's (1.23). A schedule-specific effect (weekly
//! paclitaxel) could be fitted only to E2100 itself, so none was added. (Abstracts and
//! secondary summaries, read by a helper; the trials' assessment schedules were not
//! found, and E2100's 12-weekly scans in its spec remain unverified.)
//!
//! Response rates are printed by the fit example: the model over-predicts responses to
//! chemotherapy combinations and CDK4/6 combinations (e.g. E2100 combination 0.47 vs
//! 0.37). Earlier
//! chemotherapy lines (TAX 311: 1, OlympiAD: 0.7, ASCENT: 4 — set in the specs before the
//! factor was fitted; OlympiAD's and ASCENT's values are recalled, not read) scale the
//! cytotoxic kill; a first attempt to fit the factor on ASCENT failed (the arm's 1.7
//! months is below the model's no-kill median).
//! Endocrine resistance after progression on endocrine therapy is a share of tumours
//! (0.46, fitted on PALOMA-3's fulvestrant arm) that lose the endocrine effect while the
//! rest keep it. It replaced a uniform factor (every tumour keeping 5 % of the endocrine
//! kill) after that version missed held-out values (SOLAR-1 mutant HR 0.32, PALOMA-3
//! palbociclib arm 8.0 months). No held-out value was fitted, but the structure was
//! chosen after seeing those misses, so SOLAR-1 and PALOMA-3 are no longer a clean
//! hold-out. The trade: PALOMA-3's arm moved inside 20 % and SOLAR-1's HR closer, but
//! SOLAR-1's control fell from 4.7 to 4.5 months (out of 20 %), and a pretreated
//! fulvestrant arm's response rate rose from 0.13 to 0.33 (SOLAR-1 reported 0.13).
//! [`breast::trial::forecast`] gives one patient's regimen forecasts from this population,
//! updated by the patient's own response on the previous line.
//!
//! ## From record to ranked plans
//! Both twins implement `twin_core::twin::DigitalTwin`:
//! [`breast::BreastTwin`] (input: the `twin_io` record; plans: chemotherapy
//! [`breast::therapy::Regimen`]s ranked by median PFS under a grade-4
//! neutropenia limit) and [`glioma::GliomaTwin`] (input: [`glioma::GliomaInput`] =
//! record + atlas + scans; plans: [`glioma::TreatmentPlan`]s ranked by Days
//! Gained). `DigitalTwin::calibrate` → `what_if` gives the versioned
//! `TwinResult`: parameters with intervals, the data against the fit, each plan's
//! outcomes with intervals, warnings, the ranking and why.
//!
//! Time is in days throughout; tumour size is the RECIST sum of target-lesion
//! diameters in mm; neutrophils in 10⁹ cells/L.
//!
//! ```
//! use twin_oncology::breast::growth::ClaretParams;
//! // Claret 2014 typical breast-cancer patient: regrowth starts after ~117 days.
//! let t = ClaretParams::CLARET_2014.time_to_regrowth_days().unwrap().unwrap();
//! assert!((t - 117.0).abs() < 0.5);
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod breast;
pub mod error;
pub mod glioma;
pub mod trial_summary;

pub use error::{OncologyError, Result};
