using DelphiRounds.Kernel;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace DelphiRounds.Pages;

/// <summary>Error pages for people (the API answers with problem details instead).</summary>
[IgnoreAntiforgeryToken]
public sealed class ErrorModel(IStringLocalizer<Texts> t) : PageModel
{
    public string Heading { get; private set; } = "";
    public string Explanation { get; private set; } = "";

    public void OnGet(int? code) => Describe(code);
    public void OnPost(int? code) => Describe(code);

    private void Describe(int? code)
    {
        var key = code switch { 404 => "404", 403 => "403", 400 or 413 => "400", 429 => "429", _ => "500" };
        Heading = t[$"error.{key}.title"];
        Explanation = t[$"error.{key}.text"];
        if (code is >= 400 and < 600) Response.StatusCode = code.Value;
    }
}
