// Reads {"runs": [{"survey": <SurveyJS JSON>, "cases": [<data>, ...]}, ...]} on standard input
// and prints, for each run and case, the names of the questions that survey-core shows (the
// question, its panels and its page visible), and every error survey-core reported (it
// reports an expression it cannot parse on the console).
"use strict";
const Survey = require("survey-core");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const { runs } = JSON.parse(input);
  const out = { errors: [], runs: [] };
  for (const level of ["error", "warn", "log"]) {
    console[level] = (...args) => out.errors.push(args.map(String).join(" "));
  }
  for (const { survey, cases } of runs) {
    const s = new Survey.Model(survey);
    for (const e of s.jsonErrors || []) out.errors.push(String(e.message || e));
    const shownPerCase = [];
    for (const data of cases) {
      s.clear(true, true);
      s.data = data;
      const shown = [];
      for (const q of s.getAllQuestions(false)) {
        let ok = q.isVisible;
        let parent = q.parent;
        while (ok && parent) {
          ok = parent.isVisible;
          parent = parent.parent;
        }
        if (ok && q.page && !q.page.isVisible) ok = false;
        if (ok) shown.push(q.name);
      }
      shownPerCase.push(shown);
    }
    out.runs.push(shownPerCase);
  }
  process.stdout.write(JSON.stringify(out));
});
