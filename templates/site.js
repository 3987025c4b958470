// Copy buttons: <button data-copy="text"> or <button data-copy-from="element id">. The
// buttons stay hidden where scripts do not run, so nothing on the page is inert.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button[data-copy], button[data-copy-from]")) {
    button.hidden = false;
    button.addEventListener("click", async () => {
      const source = button.dataset.copyFrom && document.getElementById(button.dataset.copyFrom);
      const text = source ? source.textContent : button.dataset.copy;
      const label = button.textContent;
      try {
        await navigator.clipboard.writeText(text);
        button.textContent = "Copied";
      } catch {
        button.textContent = "Select and copy";
      }
      setTimeout(() => { button.textContent = label; }, 1500);
    });
  }
});
