using Microsoft.AspNetCore.Mvc.RazorPages;

namespace DelphiRounds.Pages;

/// <summary>The front page: what DelphiRounds is, and where to go.</summary>
public sealed class IndexModel : PageModel
{
    public void OnGet() { }
}
