# The step runs at the top of the next iteration, before that iteration clears: it reads the
# gradients of the backward at the end of the previous one.
import torch

model = torch.nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

for step, (x, y) in enumerate([(torch.randn(2, 4), torch.randn(2, 1))] * 5):
    if step > 0:
        optimizer.step()
    optimizer.zero_grad()
    loss = torch.nn.functional.mse_loss(model(x), y)
    loss.backward()
