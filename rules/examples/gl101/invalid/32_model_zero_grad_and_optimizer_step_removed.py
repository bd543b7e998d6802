# The loop clears through the model (model.zero_grad()) and builds an optimizer; its step was
# deleted, so the weights stay frozen.
import torch

model = torch.nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in [(torch.randn(8, 4), torch.randn(8, 1))] * 10:
    model.zero_grad()
    loss = torch.nn.functional.mse_loss(model(x), y)
    loss.backward()  # GL101
