# Opacus' ghost clipping backpropagates twice: a first pass over the mean loss (kept with
# retain_graph=True) only lets hooks measure per-sample norms, and is cleared; the
# rescaled loss's backward over the same graph is the one the optimizer steps.
import torch

model = torch.nn.Linear(10, 5)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
loss_fn = torch.nn.CrossEntropyLoss(reduction="none")


def train(loader, clipping_coef):
    for x, y in loader:
        loss_per_sample = loss_fn(model(x), y)
        torch.mean(loss_per_sample).backward(retain_graph=True)
        optimizer.zero_grad()
        rescaled_loss = torch.sum(clipping_coef() * loss_per_sample)
        rescaled_loss.backward()
        optimizer.step()
