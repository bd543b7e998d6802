# Gradient accumulation written with branches: odd batches only backpropagate, even
# batches backpropagate and step. The step of the next pass of the loop consumes the odd
# batch's gradients (nothing clears them in between).
import torch

model = torch.nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

for i, (x, y) in enumerate(zip(torch.randn(10, 8, 4), torch.randn(10, 8, 1))):
    loss = torch.nn.functional.mse_loss(model(x), y)
    if i % 2 == 0:
        loss.backward()
    else:
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
