# fairscale's FSDP tests give each test model a `run_backward(loss)` hook; the shared
# training loop in another module calls it and then steps the optimizer built here.
import torch
from torch import nn


class TransformerWithSharedParams(nn.Module):
    def __init__(self):
        super().__init__()
        self.output_proj = nn.Linear(8, 4)

    def forward(self, x):
        return self.output_proj(x)

    def get_loss(self, input, output):
        return nn.functional.cross_entropy(output, input[1])

    def run_backward(self, loss):
        loss.backward()


model = TransformerWithSharedParams()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
