using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace DelphiRounds.Security;

/// <summary>
/// A form post whose values do not even convert to their types (<c>ScaleMax=abc</c>, an id of 30 digits)
/// was not made with our pages, which only offer valid choices for such fields: it is refused with 400
/// before the handler runs. Without this, a handler that clears the model state would go on with the
/// field's default value.
/// </summary>
public sealed class TamperedFormFilter : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var unreadable = HttpMethods.IsPost(context.HttpContext.Request.Method)
            && context.ModelState.Values.Any(e => e.AttemptedValue is not null && e.Errors.Count > 0);
        if (unreadable)
        {
            context.Result = new BadRequestResult();
            return;
        }
        await next();
    }
}
