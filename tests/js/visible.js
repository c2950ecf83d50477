// Reads {"survey": <SurveyJS JSON>, "cases": [<data>, ...]} on standard input and prints, for
// each case, the names of the questions that survey-core shows (the question, its panels and
// its page visible) and any errors survey-core reported while loading the JSON.
"use strict";
const Survey = require("survey-core");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const { survey, cases } = JSON.parse(input);
  const out = { errors: [], cases: [] };
  // survey-core reports an expression it cannot parse on the console: collect it as an error
  for (const level of ["error", "warn", "log"]) {
    console[level] = (...args) => out.errors.push(args.map(String).join(" "));
  }
  const model = new Survey.Model(survey);
  for (const e of model.jsonErrors || []) out.errors.push(String(e.message || e));
  const s = model;
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
    out.cases.push(shown);
  }
  process.stdout.write(JSON.stringify(out));
});
