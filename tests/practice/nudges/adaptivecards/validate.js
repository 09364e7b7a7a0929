// Reads Teams message payloads (a JSON list) on stdin and prints, for each, the problems
// Microsoft's Adaptive Cards library finds in its card: parse warnings and failed
// validations. An empty list means the card is valid.
const AdaptiveCards = require("adaptivecards/dist/adaptivecards.js");
// (the package's "main" is an ES module build that Node cannot load; dist is its UMD build)

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const results = JSON.parse(input).map((message) => {
    const problems = [];
    const attachment = (message.attachments || [])[0] || {};
    if (attachment.contentType !== "application/vnd.microsoft.card.adaptive") {
      problems.push(`contentType is ${attachment.contentType}`);
    }
    if (typeof attachment.content !== "object" || attachment.content === null) {
      problems.push("no Adaptive Card in attachments[0].content");
      return problems;
    }
    const context = new AdaptiveCards.SerializationContext();
    const card = new AdaptiveCards.AdaptiveCard();
    card.parse(attachment.content, context);
    for (let i = 0; i < context.eventCount; i++) {
      problems.push(context.getEventAt(i).message);
    }
    const validation = card.validateProperties();
    for (const event of validation.validationEvents) problems.push(event.message);
    return problems;
  });
  process.stdout.write(JSON.stringify(results));
});
